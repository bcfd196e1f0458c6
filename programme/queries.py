"""Reads shaped for one page each. Templates never follow a relation not fetched here."""

from django.db.models import Prefetch, QuerySet

from programme.models import (
    CommitteeMembership,
    Conference,
    ItemHost,
    Person,
    ProgrammeItem,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
)


def ordered_speakers() -> Prefetch:
    speakers = TalkSpeaker.objects.select_related("person").order_by("position")
    return Prefetch("talk_speakers", speakers, to_attr="ordered_speakers")


def ordered_chairs() -> Prefetch:
    chairs = SessionChair.objects.select_related("person").order_by("position")
    return Prefetch("session_chairs", chairs, to_attr="ordered_chairs")


def ordered_hosts() -> Prefetch:
    hosts = ItemHost.objects.select_related("person").order_by("position")
    return Prefetch("item_hosts", hosts, to_attr="ordered_hosts")


def published_conference(year: int) -> Conference:
    """The published conference of `year`; raises Conference.DoesNotExist."""
    return Conference.objects.published().get(year=year)


def programme_items_for_conference(conference: Conference) -> QuerySet[ProgrammeItem]:
    """Items with `room`, `ordered_hosts` and their invited `talk` with `ordered_speakers`."""
    talks = Talk.objects.prefetch_related(ordered_speakers())
    return (
        ProgrammeItem.objects.filter(conference=conference)
        .select_related("room")
        .prefetch_related(ordered_hosts(), Prefetch("talk", talks))
        .order_by("date", "start", "end")
    )


def sessions_for_conference(conference: Conference) -> QuerySet[Session]:
    """Sessions with `room`, `track`, `ordered_chairs` and `ordered_talks` (with speakers)."""
    talks = Talk.objects.prefetch_related(ordered_speakers()).order_by("position")
    return (
        Session.objects.filter(conference=conference)
        .select_related("room", "track")
        .prefetch_related(ordered_chairs(), Prefetch("talks", talks, to_attr="ordered_talks"))
        .order_by("date", "start", "code")
    )


def session_detail(conference: Conference, code: str) -> Session:
    return sessions_for_conference(conference).get(code=code)


def talk_detail(conference: Conference, code: str) -> Talk:
    """A talk with `session` (room, track), `item` (room) and `ordered_speakers`."""
    return (
        Talk.objects.filter(conference=conference)
        .select_related("session__room", "session__track", "item__room", "conference")
        .prefetch_related(ordered_speakers())
        .get(code=code)
    )


def talks_by_person(person: Person) -> QuerySet[Talk]:
    """The person's talks in published years, newest first, with their session or item."""
    return (
        Talk.objects.filter(talk_speakers__person=person, conference__published=True)
        .select_related("conference", "session", "item")
        .prefetch_related(ordered_speakers())
        .order_by("-conference__year", "code")
    )


def sessions_chaired_by(person: Person) -> QuerySet[Session]:
    return (
        Session.objects.filter(session_chairs__person=person, conference__published=True)
        .select_related("conference")
        .order_by("-conference__year", "code")
    )


def committee_roles_of(person: Person) -> QuerySet[CommitteeMembership]:
    return (
        CommitteeMembership.objects.filter(person=person, conference__published=True)
        .select_related("conference")
        .order_by("-conference__year", "role")
    )
