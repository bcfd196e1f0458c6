"""Database -> the yearly fixture file (fixtures/README.md), the backup format.

`export_programme(year)` writes what `import_programme` reads, through the same schema
(programme/importers/schema.py): importing its output changes nothing.
"""

import datetime as dt

import yaml
from django.db.models import Prefetch

from programme import queries
from programme.importers.schema import (
    ChairRef,
    CommitteeRef,
    ConferenceData,
    ContactData,
    HostRef,
    HotelData,
    ItemData,
    OrganisationData,
    PersonData,
    ProgrammeData,
    RoomData,
    SessionData,
    SpeakerRef,
    TalkData,
    TrackData,
    document,
    from_row,
)
from programme.models import CommitteeMembership, Conference, Organisation, Person, Talk


class FixtureDumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, times as "HH:MM", keys in the order given."""


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_time(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", f"{value:%H:%M}", style='"')


FixtureDumper.add_representer(str, _represent_str)
FixtureDumper.add_representer(dt.time, _represent_time)


def export_programme(year: int) -> str:
    """The fixture of `year` as YAML text; raises Conference.DoesNotExist."""
    conference = Conference.objects.get(year=year)
    return yaml.dump(
        document(programme_data(conference)),
        Dumper=FixtureDumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


def programme_data(conference: Conference) -> ProgrammeData:
    """The year as the fixture schema's records; what each key holds is in schema.py,
    only the references to other rows (a room's name, a person's key) are named here."""
    organisations = list(conference.organisations.order_by("position"))
    committee = conference.committee.select_related("person").order_by("position")
    tracks = conference.tracks.prefetch_related(
        Prefetch("contacts", conference.contacts.order_by("position"), to_attr="ordered")
    ).order_by("position")
    programme = queries.programme_for_conference(conference)
    return ProgrammeData(
        year=conference.year,
        notes=list(conference.notes),
        conference=from_row(ConferenceData, conference, hotel=from_row(HotelData, conference)),
        hosts=organisations_data(organisations, Organisation.Role.HOST),
        co_hosts=organisations_data(organisations, Organisation.Role.CO_HOST),
        contacts=[from_row(ContactData, c) for c in conference.contacts.order_by("position")],
        people=[
            from_row(PersonData, p, key=p.key if p.key != p.name else "")
            for p in people_with_facts(conference)
        ],
        committees={
            role: [
                from_row(CommitteeRef, m, person=m.person.key) for m in committee if m.role == role
            ]
            for role in CommitteeMembership.Role.values
        },
        rooms=[from_row(RoomData, room) for room in conference.rooms.order_by("position")],
        tracks=[from_row(TrackData, t, contacts=[c.name for c in t.ordered]) for t in tracks],
        programme=[
            from_row(
                ItemData,
                item,
                room=item.room.name if item.room else "",
                hosts=[from_row(HostRef, h, person=h.person.key) for h in item.ordered_hosts],
                talk=talk_data(item.talk_or_none) if item.talk_or_none else None,
            )
            for item in programme.items
        ],
        sessions=[
            from_row(
                SessionData,
                s,
                track=s.track.code,
                room=s.room.name if s.room else "",
                chairs=[from_row(ChairRef, c, person=c.person.key) for c in s.ordered_chairs],
                talks=[talk_data(t) for t in s.ordered_talks],
            )
            for s in programme.sessions
        ],
    )


def organisations_data(organisations, role) -> list[OrganisationData]:
    return [from_row(OrganisationData, o) for o in organisations if o.role == role]


def talk_data(talk: Talk) -> TalkData:
    speakers = [from_row(SpeakerRef, s, person=s.person.key) for s in talk.ordered_speakers]
    return from_row(TalkData, talk, speakers=speakers)


def people_with_facts(conference: Conference):
    """People of this year that need an entry: homonym keys or facts beyond the name."""
    appearing = (
        Person.objects.filter(talks__conference=conference)
        .union(
            Person.objects.filter(chaired_sessions__conference=conference),
            Person.objects.filter(hosted_items__conference=conference),
            Person.objects.filter(committeemembership__conference=conference),
        )
        .order_by("key")
    )
    return [p for p in appearing if p.key != p.name or p.name_en or p.email or p.homepage]
