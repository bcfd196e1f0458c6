"""Schedule releases: what attendees saw, and what changed for them between versions.

A snapshot is plain JSON (stored in Release.snapshot): sessions by code with topic, time,
room and chairs; talks by code with title, speakers and placement. `changes(old, new)`
compares two snapshots in attendee terms: talk added or withdrawn, moved in time or room,
title or speakers changed; session added, cancelled, moved, retitled or chairs changed.
A talk is "moved" only when its own placement changed (another session, or its own
times), so moving a whole session is one change, not one per talk.

Changes are compared in the programme's own words (the Chinese room names) and written
in the reader's language: a room by its English name on English pages (a snapshot taken
before rooms had one shows the Chinese), and a change of people as the list of names,
which the page shows as it shows every name (with pinyin in English).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from programme.localized import is_english
from programme.queries import Programme


def _names(appearances) -> list[str]:
    return [a.person.name for a in appearances]


def snapshot(programme: Programme) -> dict:
    sessions = {
        s.code: {
            "topic": s.topic,
            "date": s.date.isoformat(),
            "start": f"{s.start:%H:%M}",
            "end": f"{s.end:%H:%M}",
            "room": s.room.name if s.room else "",
            "room_en": s.room.name_en if s.room else "",
            "chairs": _names(s.ordered_chairs),
        }
        for s in programme.sessions
    }
    talks = {}
    for talk in programme.talks:
        where = talk.session or talk.item
        talks[talk.code] = {
            "title": talk.title,
            "speakers": _names(talk.ordered_speakers),
            "session": talk.session.code if talk.session else "",
            "date": where.date.isoformat(),
            "start": f"{talk.start or where.start:%H:%M}",
            "end": f"{talk.end or where.end:%H:%M}",
            "room": where.room.name if where.room else "",
            "room_en": where.room.name_en if where.room else "",
        }
    return {"sessions": sessions, "talks": talks}


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    code: str
    before: str = ""
    after: str = ""
    # A change of chairs or speakers: the names before and after (`before` and `after`
    # join them, for the feed).
    names_before: tuple[str, ...] = ()
    names_after: tuple[str, ...] = ()

    @property
    def label(self):
        return KINDS[self.kind]


KINDS = {
    "talk_added": _("Talk added"),
    "talk_withdrawn": _("Talk withdrawn"),
    "talk_moved": _("Talk moved"),
    "talk_retitled": _("Title changed"),
    "talk_speakers": _("Speaker changed"),
    "session_added": _("Session added"),
    "session_cancelled": _("Session cancelled"),
    "session_moved": _("Session moved"),
    "session_retitled": _("Session topic changed"),
    "session_chairs": _("Session chair changed"),
}


def _where(entry: dict) -> tuple:
    """Where and when, as compared: the same in every language."""
    return (entry["date"], entry["start"], entry["end"], entry["room"])


def _place(entry: dict) -> str:
    """Where and when, as the reader reads it."""
    room = (is_english() and entry.get("room_en")) or entry["room"]
    return f"{entry['date']} {entry['start']}–{entry['end']} {room}".strip()


def _people_change(kind: str, code: str, before: list[str], after: list[str]) -> Change:
    return Change(kind, code, "、".join(before), "、".join(after), tuple(before), tuple(after))


def changes(old: dict, new: dict) -> list[Change]:
    found = []
    old_sessions, new_sessions = old.get("sessions", {}), new.get("sessions", {})
    for code in sorted(new_sessions.keys() - old_sessions.keys()):
        found.append(Change("session_added", code, after=_place(new_sessions[code])))
    for code in sorted(old_sessions.keys() - new_sessions.keys()):
        found.append(Change("session_cancelled", code, before=_place(old_sessions[code])))
    for code in sorted(old_sessions.keys() & new_sessions.keys()):
        was, now = old_sessions[code], new_sessions[code]
        if _where(was) != _where(now):
            found.append(Change("session_moved", code, _place(was), _place(now)))
        if was["topic"] != now["topic"]:
            found.append(Change("session_retitled", code, was["topic"], now["topic"]))
        if was["chairs"] != now["chairs"]:
            found.append(_people_change("session_chairs", code, was["chairs"], now["chairs"]))
    old_talks, new_talks = old.get("talks", {}), new.get("talks", {})
    for code in sorted(new_talks.keys() - old_talks.keys()):
        found.append(Change("talk_added", code, after=new_talks[code]["title"]))
    for code in sorted(old_talks.keys() - new_talks.keys()):
        found.append(Change("talk_withdrawn", code, before=old_talks[code]["title"]))
    for code in sorted(old_talks.keys() & new_talks.keys()):
        was, now = old_talks[code], new_talks[code]
        moved_with_session = (
            was["session"]
            and was["session"] == now["session"]
            and (was["start"], was["end"])
            == (
                old_sessions.get(was["session"], {}).get("start"),
                old_sessions.get(was["session"], {}).get("end"),
            )
            and (now["start"], now["end"])
            == (
                new_sessions.get(now["session"], {}).get("start"),
                new_sessions.get(now["session"], {}).get("end"),
            )
        )
        if _where(was) != _where(now) and not moved_with_session:
            before = f"{was['session']} {_place(was)}".strip()
            after = f"{now['session']} {_place(now)}".strip()
            found.append(Change("talk_moved", code, before, after))
        if was["title"] != now["title"]:
            found.append(Change("talk_retitled", code, was["title"], now["title"]))
        if was["speakers"] != now["speakers"]:
            found.append(_people_change("talk_speakers", code, was["speakers"], now["speakers"]))
    return found
