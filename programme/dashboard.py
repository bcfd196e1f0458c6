"""The staff dashboard of one year: counts, and what is missing or suspicious.

Everything is computed from one `programme_for_conference` read (constant queries):
talks without abstract or affiliation, sessions without chair or room, two things in
one room at once, a person in two places at once, talks outside their session's time.
"""

from dataclasses import dataclass, field
from itertools import combinations

from django.urls import reverse

from programme.queries import Programme, programme_for_conference


@dataclass(frozen=True)
class Slot:
    """Something happening in a room at a time, with the people who must be there."""

    label: str
    url: str
    date: object
    start: object
    end: object
    room: str
    people: tuple = ()

    def overlaps(self, other: "Slot") -> bool:
        return self.date == other.date and self.start < other.end and other.start < self.end


@dataclass
class YearReport:
    counts: dict
    talks_without_abstract: list = field(default_factory=list)
    talks_without_affiliation: list = field(default_factory=list)
    talks_without_speaker: list = field(default_factory=list)
    sessions_without_chair: list = field(default_factory=list)
    sessions_without_room: list = field(default_factory=list)
    room_clashes: list = field(default_factory=list)
    people_in_two_places: list = field(default_factory=list)
    talks_outside_session: list = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        return sum(
            len(getattr(self, name))
            for name in (
                "talks_without_abstract",
                "talks_without_affiliation",
                "talks_without_speaker",
                "sessions_without_chair",
                "sessions_without_room",
                "room_clashes",
                "people_in_two_places",
                "talks_outside_session",
            )
        )


def slots(programme: Programme) -> list[Slot]:
    found = []
    for session in programme.sessions:
        people = {a.person.key for a in session.ordered_chairs}
        people |= {s.person.key for t in session.ordered_talks for s in t.ordered_speakers}
        found.append(
            Slot(
                f"{session.code} {session.topic}",
                reverse("admin:programme_session_change", args=[session.pk]),
                session.date,
                session.start,
                session.end,
                session.room.name if session.room else "",
                tuple(sorted(people)),
            )
        )
    for item in programme.items:
        people = {a.person.key for a in item.ordered_hosts}
        if item.talk_or_none:
            people |= {s.person.key for s in item.talk_or_none.ordered_speakers}
        found.append(
            Slot(
                item.title,
                reverse("admin:programme_programmeitem_change", args=[item.pk]),
                item.date,
                item.start,
                item.end,
                item.room.name if item.room else "",
                tuple(sorted(people)),
            )
        )
    return found


def year_report(conference) -> YearReport:
    programme = programme_for_conference(conference)
    talks = programme.talks
    speakers = {s.person.key for t in talks for s in t.ordered_speakers}
    report = YearReport(
        counts={
            "sessions": len(programme.sessions),
            "talks": len(talks),
            "speakers": len(speakers),
            "rooms": len(programme.rooms),
            "items_count": len(programme.items),
        }
    )
    for talk in talks:
        if not talk.abstract.strip():
            report.talks_without_abstract.append(talk)
        if not talk.ordered_speakers:
            report.talks_without_speaker.append(talk)
        elif any(not s.affiliation.strip() for s in talk.ordered_speakers):
            report.talks_without_affiliation.append(talk)
        session = talk.session
        if session and (
            (talk.start and not session.start <= talk.start < session.end)
            or (talk.end and not session.start < talk.end <= session.end)
        ):
            report.talks_outside_session.append(talk)
    for session in programme.sessions:
        if not session.ordered_chairs:
            report.sessions_without_chair.append(session)
        if session.room is None:
            report.sessions_without_room.append(session)
    for a, b in combinations(slots(programme), 2):
        if not a.overlaps(b):
            continue
        if a.room and a.room == b.room:
            report.room_clashes.append((a.room, a, b))
        for person in sorted(set(a.people) & set(b.people)):
            report.people_in_two_places.append((person, a, b))
    return report
