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

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import JSONObject

from programme.caching.urls import url_for
from programme.models import (
    CommitteeMembership,
    Conference,
    Contact,
    ItemHost,
    Person,
    ProgrammeItem,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
    Track,
)
from programme.search_index import contains

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
    track and the track's contacts), talks, and all chairs, hosts and speakers. Each
    session gets `ordered_talks` and `track_contacts`, each item `talk_or_none`, each
    talk `session_or_item`."""
    items = list(
        ProgrammeItem.objects.filter(conference=conference)
        .select_related("room")
        .order_by("date", "start", "end")
    )
    sessions = list(
        Session.objects.filter(conference=conference)
        .select_related("room", "track")
        .annotate(contact_rows=_track_contact_rows())
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
    contacts = {}
    for session in sessions:
        session.conference = conference
        session.track_contacts = [
            contacts.setdefault(row["pk"], Contact(conference=conference, **row))
            for row in session.contact_rows
        ]
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


def _track_contact_rows() -> ArraySubquery:
    """The contacts of a session's track, in printed order, as one array column of the
    sessions' own query: a session page names them without a query of its own (a few
    sessions' tracks have contacts: the student sessions' contact in 2025)."""
    contacts = Contact.objects.filter(tracks=OuterRef("track_id")).order_by("position")
    fields = JSONObject(
        pk="pk", name="name", role="role", role_en="role_en", email="email", phone="phone"
    )
    return ArraySubquery(contacts.values(row=fields))


@dataclass(frozen=True)
class SessionLink:
    year: int
    code: str

    def get_absolute_url(self) -> str:
        return url_for("programme:session-detail", self.year, self.code)


def contacts_for_conference(conference: Conference) -> list[Contact]:
    """The contacts in printed order, each with `ordered_tracks`: the tracks they look
    after, each with `session_links` to its sessions in programme order. Two queries:
    the contacts, then their tracks with the session codes gathered in an array column
    (however many sessions a track has)."""
    codes = (
        Session.objects.filter(track=OuterRef("pk"))
        .order_by("date", "start", "code")
        .values("code")
    )
    tracks = Track.objects.annotate(session_codes=ArraySubquery(codes)).order_by("position")
    contacts = list(
        conference.contacts.prefetch_related(
            Prefetch("tracks", queryset=tracks, to_attr="ordered_tracks")
        ).order_by("position")
    )
    for contact in contacts:
        for track in contact.ordered_tracks:
            track.session_links = [
                SessionLink(conference.year, code) for code in track.session_codes
            ]
    return contacts


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
    title_en: str
    date: dt.date
    start: dt.time


@dataclass(frozen=True)
class PersonRole:
    year: int
    role: str
    title: str
    title_en: str
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
SELECT 'talk', c.year, t.code, t.title, '', t.item_id IS NOT NULL, a.affiliation,
       NULL::date, NULL::time, '', 0
  FROM programme_talkspeaker a JOIN programme_talk t ON t.id = a.talk_id
  JOIN programme_conference c ON c.id = t.conference_id
 WHERE a.person_id = %(person)s AND c.published
UNION ALL
SELECT 'chair', c.year, s.code, s.topic, '', false, '', NULL, NULL, '', 0
  FROM programme_sessionchair a JOIN programme_session s ON s.id = a.session_id
  JOIN programme_conference c ON c.id = s.conference_id
 WHERE a.person_id = %(person)s AND c.published
UNION ALL
SELECT 'host', c.year, '', i.title, i.title_en, false, '', i.date, i.start, '', 0
  FROM programme_itemhost a JOIN programme_programmeitem i ON i.id = a.item_id
  JOIN programme_conference c ON c.id = i.conference_id
 WHERE a.person_id = %(person)s AND c.published
UNION ALL
SELECT 'role', c.year, a.role, a.title, a.title_en, false, a.affiliation, NULL, NULL, a.role,
       a.position
  FROM programme_committeemembership a JOIN programme_conference c ON c.id = a.conference_id
 WHERE a.person_id = %(person)s AND c.published
ORDER BY 2 DESC, 1, 3, 8, 9, 10, 11
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
    for kind, year, code, text, text_en, invited, affiliation, date, start, role, _ in rows:
        if kind == "talk":
            record.talks.append(PersonTalk(year, code, text, invited, affiliation))
        elif kind == "chair":
            record.chaired.append(PersonChair(year, code, text))
        elif kind == "host":
            record.hosted.append(PersonHost(year, text, text_en, date, start))
        else:
            record.roles.append(PersonRole(year, role, text, text_en, affiliation))
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

RESULTS_PER_PAGE = 20
MAX_TERMS = 6
MAX_LISTED = 50  # sessions, and people: at most this many are listed
TITLE_OR_SPEAKER, TOPIC_OR_AFFILIATION = 2, 1  # what a term scores where it is found


@dataclass
class SearchResults:
    """One page of a search.

    `year_counts`: talks found in each published year, newest first (0 for a year with
    none), whatever the year filter; `talk_count` within the filter. `talks`: this page's
    talks with `ordered_speakers` and `rank`. `sessions` and `people`: the first
    MAX_LISTED of each (`session_count` and `person_count` say how many there are), the
    same on every page; the page shows them on the first."""

    terms: list[str]
    year: int | None = None
    year_counts: dict[int, int] = field(default_factory=dict)
    talk_count: int = 0
    page: int = 1
    page_count: int = 1
    talks: list[Talk] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    session_count: int = 0
    people: list[Person] = field(default_factory=list)
    person_count: int = 0

    def talks_by_year(self) -> list[tuple[int, int, list[Talk]]]:
        """(year, talks found in that year in all, this page's talks of that year)."""
        return [
            (year, self.year_counts.get(year, 0), list(talks))
            for year, talks in groupby(self.talks, key=lambda t: t.conference.year)
        ]

    @property
    def count(self) -> int:
        return self.talk_count + self.session_count + self.person_count

    @property
    def first_number(self) -> int:
        """The number of this page's first talk among all found (1 on page 1)."""
        return (self.page - 1) * RESULTS_PER_PAGE + 1

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.talks) - 1


def search_terms(query: str) -> list[str]:
    """Words of the query; a Chinese phrase is one term and matches as a substring."""
    return [term[:50] for term in query.split()][:MAX_TERMS]


def search(query: str, *, year: int | None = None, page: int = 1) -> SearchResults:
    """Published talks, sessions and people that contain every word of `query`.

    A word matches a case-insensitive substring (扩散 inside 扩散模型, "iffusion" inside
    "Diffusion") of a talk's title, abstract or session topic, or of a speaker's
    affiliation or search_name (the name with its pinyin: "wu lei", "wulei" and 吴磊 find
    吴磊's talks); a session's topic or code; a person's search_name.

    Talks come newest year first (the page groups them by year) and, within a year, by
    rank: each word scores TITLE_OR_SPEAKER if the title or a speaker's name has it,
    TOPIC_OR_AFFILIATION if only the session topic or an affiliation does, 0 if only the
    abstract does; the sum orders the talks, ties in programme order. So within a year
    every talk whose title or speaker matches comes before every talk found only through
    its abstract. `year` keeps one year; `page` is clamped to the pages there are.

    Every condition is answered by an index (programme/search_index.py), so a search
    costs the same with 3 years or 30 but for the rows it finds. Queries: one for the
    years and their counts, one for the page of talks and one for their speakers (none
    if no talk is found), one each for sessions and people."""
    terms = search_terms(query)
    talks = _talks_matching(terms)
    year_counts = _year_counts(talks if terms else None)
    if not terms:
        return SearchResults(terms, year=year, year_counts=year_counts)
    talk_count = year_counts.get(year, 0) if year is not None else sum(year_counts.values())
    page_count = max(1, -(-talk_count // RESULTS_PER_PAGE))
    page = min(max(page, 1), page_count)
    results = SearchResults(
        terms,
        year=year,
        year_counts=year_counts,
        talk_count=talk_count,
        page=page,
        page_count=page_count,
    )
    if talk_count:
        results.talks = _talk_page(talks, terms, year, page)
        attach_appearances(talks=results.talks, speakers=Q(talk__in=results.talks))
    results.sessions = _listed(_sessions_matching(terms, year))
    results.session_count = results.sessions[0].found if results.sessions else 0
    results.people = _listed(_people_matching(terms, year))
    results.person_count = results.people[0].found if results.people else 0
    return results


def _talk_ids(term: str) -> QuerySet:
    """Ids of the talks (of any year) with `term` somewhere: one indexed read per place."""
    sessions = Session.objects.filter(contains("topic", term)).values("pk")
    return (
        Talk.objects.filter(contains("title", term))
        .order_by()
        .values("pk")
        .union(
            Talk.objects.filter(contains("abstract", term)).order_by().values("pk"),
            Talk.objects.filter(session__in=sessions).order_by().values("pk"),
            _speakers_named(term).values("talk_id"),
            _speakers_from(term).values("talk_id"),
            all=True,
        )
    )


def _speakers_named(term: str) -> QuerySet:
    """Speaker rows of the people whose search_name (name and pinyin) has `term`."""
    people = Person.objects.filter(contains("search_name", term)).values("pk")
    return TalkSpeaker.objects.filter(person__in=people).order_by()


def _speakers_from(term: str) -> QuerySet:
    """Speaker rows whose affiliation has `term`."""
    return TalkSpeaker.objects.filter(contains("affiliation", term)).order_by()


def _talks_matching(terms: list[str]) -> QuerySet:
    talks = Talk.objects.filter(conference__published=True)
    for term in terms:
        talks = talks.filter(pk__in=_talk_ids(term))
    return talks


def _year_counts(talks: QuerySet | None) -> dict[int, int]:
    """{year: how many of `talks`} for every published year, newest first, in one query."""
    published = Conference.objects.filter(published=True).order_by()
    rows = published.values_list("year", Value(0))
    if talks is not None:
        found = (
            talks.order_by()
            .values("conference__year")
            .annotate(n=Count("pk"))
            .values_list("conference__year", "n")
        )
        rows = rows.union(found, all=True)
    counts = defaultdict(int)
    for year, n in rows:
        counts[year] += n
    return dict(sorted(counts.items(), reverse=True))


def _talk_page(talks: QuerySet, terms: list[str], year: int | None, page: int) -> list[Talk]:
    if year is not None:
        talks = talks.filter(conference__year=year)
    rank = sum(
        (
            Case(
                When(
                    contains("title", term) | Q(pk__in=_speakers_named(term).values("talk_id")),
                    then=Value(TITLE_OR_SPEAKER),
                ),
                When(
                    contains("session__topic", term)
                    | Q(pk__in=_speakers_from(term).values("talk_id")),
                    then=Value(TOPIC_OR_AFFILIATION),
                ),
                default=Value(0),
            )
            for term in terms
        ),
        start=Value(0),
    )
    start = (page - 1) * RESULTS_PER_PAGE
    return list(
        talks.annotate(rank=rank)
        .select_related("conference", "session", "item")
        .order_by(
            "-conference__year",
            "-rank",
            "session__date",
            "session__start",
            "session__code",
            "position",
            "code",
        )[start : start + RESULTS_PER_PAGE]
    )


def _sessions_matching(terms: list[str], year: int | None) -> QuerySet:
    sessions = Session.objects.filter(conference__published=True).select_related("conference")
    if year is not None:
        sessions = sessions.filter(conference__year=year)
    for term in terms:
        sessions = sessions.filter(contains("topic", term) | Q(code__iexact=term))
    return sessions.order_by("-conference__year", "code")


def _people_matching(terms: list[str], year: int | None) -> QuerySet:
    """People whose name or pinyin has every term and who appear in a published year
    (in `year`, if given)."""
    shown = Q(conference__published=True) if year is None else Q(conference__year=year)
    shown_talks = Q(talk__conference__published=True)
    shown_sessions = Q(session__conference__published=True)
    if year is not None:
        shown_talks &= Q(talk__conference__year=year)
        shown_sessions &= Q(session__conference__year=year)
    people = Person.objects.filter(
        Exists(TalkSpeaker.objects.filter(shown_talks, person=OuterRef("pk")))
        | Exists(SessionChair.objects.filter(shown_sessions, person=OuterRef("pk")))
        | Exists(CommitteeMembership.objects.filter(shown, person=OuterRef("pk")))
    )
    for term in terms:
        people = people.filter(contains("search_name", term))
    return people.order_by("key")


def _listed(queryset: QuerySet) -> list:
    """The first MAX_LISTED rows, each with `found`: how many rows there are in all."""
    return list(queryset.annotate(found=Window(Count("pk")))[:MAX_LISTED])
