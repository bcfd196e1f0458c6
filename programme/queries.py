"""Reads shaped for one page each. Templates never follow a relation not fetched here.

Query budget: a public page reads the data version (with its conference, for year pages)
and then at most five more queries, however many talks the year has. The appearances of
people (chairs, hosts, speakers) of a whole page come in one UNION query. The pages of a
year share one read of its programme per data version (`programme_for_conference`, kept
by programme.caching.programmes); a talk page adds its speakers' other talks.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import groupby

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)

from programme.caching.urls import url_for
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

# ---------------------------------------------------------------------------
# Appearances of people, for a whole page at once.


def _appearance_rows(kind: str, queryset, owner: str, online, bio):
    return queryset.values_list(
        Value(kind, output_field=CharField()),
        owner,
        "position",
        "affiliation",
        online,
        bio,
        "person_id",
        "person__key",
        "person__name",
        "person__name_en",
        "person__slug",
    )


def attach_appearances(
    *,
    sessions=(),
    items=(),
    talks=(),
    chairs: Q | None = None,
    hosts: Q | None = None,
    speakers: Q | None = None,
):
    """One query for the chairs, hosts and speakers matching the filters; sets
    `ordered_chairs` on sessions, `ordered_hosts` on items, `ordered_speakers` on talks."""
    parts = []
    if chairs is not None:
        parts.append(
            _appearance_rows(
                "chair",
                SessionChair.objects.filter(chairs),
                "session_id",
                F("online"),
                Value("", output_field=TextField()),
            )
        )
    if hosts is not None:
        parts.append(
            _appearance_rows(
                "host",
                ItemHost.objects.filter(hosts),
                "item_id",
                Value(False, output_field=BooleanField()),
                Value("", output_field=TextField()),
            )
        )
    if speakers is not None:
        parts.append(
            _appearance_rows(
                "speaker",
                TalkSpeaker.objects.filter(speakers),
                "talk_id",
                Value(False, output_field=BooleanField()),
                F("bio"),
            )
        )
    rows = parts[0].union(*parts[1:], all=True) if parts else []
    found = defaultdict(list)
    people = {}
    for kind, owner, position, affiliation, online, bio, pid, key, name, name_en, slug in rows:
        person = people.get(pid) or Person(pk=pid, key=key, name=name, name_en=name_en, slug=slug)
        people[pid] = person
        model = {"chair": SessionChair, "host": ItemHost, "speaker": TalkSpeaker}[kind]
        appearance = model(person=person, position=position, affiliation=affiliation)
        if kind == "chair":
            appearance.online = online
        if kind == "speaker":
            appearance.bio = bio
        found[kind, owner].append(appearance)
    for kind, owners in (("chair", sessions), ("host", items), ("speaker", talks)):
        for owner in owners:
            listed = sorted(found.get((kind, owner.pk), []), key=lambda a: a.position)
            setattr(owner, f"ordered_{kind}s", listed)


# ---------------------------------------------------------------------------
# The whole programme of a year: home, schedule, abstracts, speakers.


@dataclass
class Block:
    """Parallel sessions that share a day and a time slot."""

    date: dt.date
    start: dt.time
    end: dt.time
    sessions: list[Session]


@dataclass
class Day:
    date: dt.date
    items: list[ProgrammeItem] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def rows(self):
        """Items and parallel blocks in time order, for the timeline."""
        entries = [(i.start, 0, "item", i) for i in self.items]
        entries += [(b.start, 1, "block", b) for b in self.blocks]
        return [(kind, value) for _, _, kind, value in sorted(entries, key=lambda e: e[:2])]


@dataclass
class Programme:
    conference: Conference
    items: list[ProgrammeItem]
    sessions: list[Session]
    talks: list[Talk]

    # Cached: a programme is kept for many requests (programme.caching.programmes).
    @cached_property
    def invited_talks(self) -> list[Talk]:
        return [t for t in self.talks if t.item_id]

    @cached_property
    def sessions_by_code(self) -> dict[str, Session]:
        return {s.code: s for s in self.sessions}

    @cached_property
    def talks_by_code(self) -> dict[str, Talk]:
        return {t.code: t for t in self.talks}

    @cached_property
    def days(self) -> list[Day]:
        days = {}
        for item in self.items:
            days.setdefault(item.date, Day(item.date)).items.append(item)
        for (date, start, end), sessions in groupby(
            self.sessions, key=lambda s: (s.date, s.start, s.end)
        ):
            day = days.setdefault(date, Day(date))
            day.blocks.append(Block(date, start, end, list(sessions)))
        return [days[d] for d in sorted(days)]

    @cached_property
    def tracks(self):
        return sorted({s.track for s in self.sessions}, key=lambda t: t.position)

    @cached_property
    def rooms(self):
        rooms = {s.room for s in self.sessions if s.room}
        return sorted(rooms, key=lambda r: r.position)


def programme_for_conference(conference: Conference) -> Programme:
    """Everything of a year in four queries: items (with room), sessions (with room,
    track), talks, and all chairs, hosts and speakers. Each session gets `ordered_talks`,
    each item `talk_or_none`, each talk `session_or_item`."""
    items = list(
        ProgrammeItem.objects.filter(conference=conference)
        .select_related("room")
        .order_by("date", "start", "end")
    )
    sessions = list(
        Session.objects.filter(conference=conference)
        .select_related("room", "track")
        .order_by("date", "start", "end", "code")
    )
    talks = list(
        Talk.objects.filter(conference=conference).order_by("session_id", "position", "code")
    )
    attach_appearances(
        sessions=sessions,
        items=items,
        talks=talks,
        chairs=Q(session__conference=conference),
        hosts=Q(item__conference=conference),
        speakers=Q(talk__conference=conference),
    )
    by_session = defaultdict(list)
    item_talk = {}
    for talk in talks:
        talk.conference = conference
        if talk.session_id:
            by_session[talk.session_id].append(talk)
        else:
            item_talk[talk.item_id] = talk
    for session in sessions:
        session.conference = conference
        session.ordered_talks = by_session[session.pk]
        for talk in session.ordered_talks:
            talk.session = session
    for item in items:
        item.talk_or_none = item_talk.get(item.pk)
        if item.talk_or_none:
            item.talk_or_none.item = item
    invited = sorted((t for t in talks if t.item_id), key=lambda t: (t.item.date, t.item.start))
    in_sessions = [t for s in sessions for t in s.ordered_talks]
    return Programme(conference, items, sessions, invited + in_sessions)


# ---------------------------------------------------------------------------
# Detail pages.


@dataclass(frozen=True)
class OtherTalk:
    year: int
    code: str
    title: str

    def get_absolute_url(self) -> str:
        return url_for("programme:talk-detail", self.year, self.code)


# Raw SQL for the one per-request read of a talk page (its year's programme is kept, see
# programme.year_memo): composing this DISTINCT join through the ORM took longer than
# PostgreSQL took to run it.
OTHER_TALKS_SQL = (
    "SELECT DISTINCT c.year, t.code, t.title FROM programme_talk t "
    "JOIN programme_talkspeaker s ON s.talk_id = t.id "
    "JOIN programme_conference c ON c.id = t.conference_id "
    "WHERE s.person_id = ANY(%s) AND c.published AND t.id <> %s "
    "ORDER BY c.year DESC, t.code"
)


def other_talks(talk: Talk) -> list[OtherTalk]:
    """The talks of `talk`'s speakers (`ordered_speakers`) in any published year."""
    people = [s.person.pk for s in talk.ordered_speakers]
    with connection.cursor() as cursor:
        cursor.execute(OTHER_TALKS_SQL, [people, talk.pk])
        return [OtherTalk(*row) for row in cursor.fetchall()]


@dataclass(frozen=True)
class PersonTalk:
    year: int
    code: str
    title: str
    invited: bool  # the invited talk of a programme item, not a session's
    affiliation: str  # as printed that year

    def get_absolute_url(self) -> str:
        return url_for("programme:talk-detail", self.year, self.code)


@dataclass(frozen=True)
class PersonChair:
    year: int
    code: str
    topic: str

    def get_absolute_url(self) -> str:
        return url_for("programme:session-detail", self.year, self.code)


@dataclass(frozen=True)
class PersonHost:
    year: int
    title: str
    date: dt.date
    start: dt.time


@dataclass(frozen=True)
class PersonRole:
    year: int
    role: str
    title: str
    affiliation: str

    def get_role_display(self) -> str:
        return CommitteeMembership.Role(self.role).label


@dataclass
class PersonRecord:
    person: Person
    talks: list[PersonTalk]
    chaired: list[PersonChair]
    hosted: list[PersonHost]
    roles: list[PersonRole]

    @property
    def years(self) -> list[int]:
        found = {entry.year for entry in (*self.talks, *self.chaired, *self.hosted, *self.roles)}
        return sorted(found, reverse=True)

    def by_year(self):
        return [
            {
                "year": year,
                "talks": [t for t in self.talks if t.year == year],
                "chaired": [s for s in self.chaired if s.year == year],
                "hosted": [i for i in self.hosted if i.year == year],
                "roles": [r for r in self.roles if r.year == year],
            }
            for year in self.years
        ]


# Everything a person did in the published years, in one raw query: the four ORM reads
# it replaces (talks, sessions chaired, items hosted, committee roles) spent more time
# being composed than PostgreSQL spent running them, on a page of a few lines.
PERSON_APPEARANCES_SQL = """
SELECT 'talk', c.year, t.code, t.title, t.item_id IS NOT NULL, a.affiliation,
       NULL::date, NULL::time, '', 0
  FROM programme_talkspeaker a JOIN programme_talk t ON t.id = a.talk_id
  JOIN programme_conference c ON c.id = t.conference_id
 WHERE a.person_id = %(person)s AND c.published
UNION ALL
SELECT 'chair', c.year, s.code, s.topic, false, '', NULL, NULL, '', 0
  FROM programme_sessionchair a JOIN programme_session s ON s.id = a.session_id
  JOIN programme_conference c ON c.id = s.conference_id
 WHERE a.person_id = %(person)s AND c.published
UNION ALL
SELECT 'host', c.year, '', i.title, false, '', i.date, i.start, '', 0
  FROM programme_itemhost a JOIN programme_programmeitem i ON i.id = a.item_id
  JOIN programme_conference c ON c.id = i.conference_id
 WHERE a.person_id = %(person)s AND c.published
UNION ALL
SELECT 'role', c.year, a.role, a.title, false, a.affiliation, NULL, NULL, a.role, a.position
  FROM programme_committeemembership a JOIN programme_conference c ON c.id = a.conference_id
 WHERE a.person_id = %(person)s AND c.published
ORDER BY 2 DESC, 1, 3, 7, 8, 9, 10
"""


def person_record(slug: str) -> PersonRecord | None:
    """One person across published years: talks (with the affiliation printed that year),
    sessions chaired, items hosted, committee roles, newest year first. None if the
    person does not exist or appears in no published year."""
    person = Person.objects.filter(slug=slug).first()
    if person is None:
        return None
    record = PersonRecord(person, [], [], [], [])
    with connection.cursor() as cursor:
        cursor.execute(PERSON_APPEARANCES_SQL, {"person": person.pk})
        rows = cursor.fetchall()
    for kind, year, code, text, invited, affiliation, date, start, role, _ in rows:
        if kind == "talk":
            record.talks.append(PersonTalk(year, code, text, invited, affiliation))
        elif kind == "chair":
            record.chaired.append(PersonChair(year, code, text))
        elif kind == "host":
            record.hosted.append(PersonHost(year, text, date, start))
        else:
            record.roles.append(PersonRole(year, role, text, affiliation))
    return record if record.years else None


def committee_for_conference(conference: Conference) -> dict[str, list[CommitteeMembership]]:
    """Committee lists by role, in printed order, with `person`."""
    members = (
        CommitteeMembership.objects.filter(conference=conference)
        .select_related("person")
        .order_by("role", "position")
    )
    grouped = defaultdict(list)
    for member in members:
        grouped[member.role].append(member)
    return grouped


def published_conferences() -> QuerySet[Conference]:
    """Published years, newest first, with `n_sessions` and `n_talks` counted in
    subqueries (a join of both would multiply the rows it counts)."""
    sessions = Session.objects.filter(conference=OuterRef("pk")).values("conference")
    talks = Talk.objects.filter(conference=OuterRef("pk")).values("conference")
    return (
        Conference.objects.published()
        .annotate(
            n_sessions=Subquery(sessions.annotate(n=Count("pk")).values("n")),
            n_talks=Subquery(talks.annotate(n=Count("pk")).values("n")),
        )
        .order_by("-year")
    )


# ---------------------------------------------------------------------------
# Search.


@dataclass
class SearchResults:
    terms: list[str]
    talks: list[Talk]
    sessions: list[Session]
    people: list[Person]

    def talks_by_year(self):
        return [
            (year, list(talks))
            for year, talks in groupby(self.talks, key=lambda t: t.conference.year)
        ]

    @property
    def count(self) -> int:
        return len(self.talks) + len(self.sessions) + len(self.people)


MAX_TERMS = 6
MAX_RESULTS = 300


def search_terms(query: str) -> list[str]:
    """Words of the query; a Chinese phrase is one term and matches as a substring."""
    return [term[:50] for term in query.split()][:MAX_TERMS]


def search(query: str) -> SearchResults:
    """Talks whose title, abstract, speakers, affiliations or session topic contain every
    term (case-insensitive substrings, so 扩散 and diffusion both work), sessions whose
    code or topic does, and people whose name does; published years only, newest first."""
    terms = search_terms(query)
    if not terms:
        return SearchResults([], [], [], [])
    talk_filter, session_filter, person_filter = Q(), Q(), Q()
    for term in terms:
        speaker_match = TalkSpeaker.objects.filter(talk=OuterRef("pk")).filter(
            Q(person__name__icontains=term)
            | Q(person__name_en__icontains=term)
            | Q(affiliation__icontains=term)
        )
        talk_filter &= (
            Q(title__icontains=term)
            | Q(abstract__icontains=term)
            | Q(session__topic__icontains=term)
            | Q(Exists(speaker_match))
        )
        session_filter &= Q(topic__icontains=term) | Q(code__iexact=term)
        person_filter &= Q(name__icontains=term) | Q(name_en__icontains=term)
    talks = list(
        Talk.objects.filter(talk_filter, conference__published=True)
        .select_related("conference", "session", "item")
        .order_by(
            "-conference__year",
            "session__date",
            "session__start",
            "session__code",
            "position",
            "code",
        )[:MAX_RESULTS]
    )
    attach_appearances(talks=talks, speakers=Q(talk__in=[t.pk for t in talks]))
    sessions = list(
        Session.objects.filter(session_filter, conference__published=True)
        .select_related("conference")
        .order_by("-conference__year", "code")[:MAX_RESULTS]
    )
    people = list(
        Person.objects.filter(person_filter)
        .filter(
            Q(talks__conference__published=True)
            | Q(chaired_sessions__conference__published=True)
            | Q(committeemembership__conference__published=True)
        )
        .distinct()
        .order_by("key")[:MAX_RESULTS]
    )
    return SearchResults(terms, talks, sessions, people)
