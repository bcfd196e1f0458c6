"""iCalendar (RFC 5545) files of a year, a session, a talk, or a personal selection.

Times are Asia/Shanghai with a VTIMEZONE; UIDs are stable across re-imports (talks use
their stored GUID, sessions and items a name-based UUID of their natural key). One file
serves every language: rooms and programme items are written in Chinese, then English
where the data has it ("午餐 Lunch"), like the labels ("主持人 Chairs").
"""

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Timezone

from programme.identity import DOMAIN as UID_DOMAIN
from programme.identity import name_uuid
from programme.localized import bilingual
from programme.queries import Programme
from programme.rich_text import plain_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def name_uid(*parts) -> str:
    return f"{name_uuid(*parts)}@{UID_DOMAIN}"


def people_line(appearances) -> str:
    return "、".join(
        f"{a.person.name}（{a.affiliation}）" if a.affiliation else a.person.name
        for a in appearances
    )


def talk_line(talk) -> str:
    """A talk in its session's description: `A1-1 吴磊（北京大学）: title`."""
    return f"{talk.code} {people_line(talk.ordered_speakers)}: {plain_text(talk.title)}"


class CalendarEvent(NamedTuple):
    uid: str
    date: dt.date
    start: dt.time
    end: dt.time
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""


def programme_calendar(
    programme: Programme,
    *,
    absolute_url: Callable[[str], str],
    stamp: dt.datetime,
    only: Iterable[str] | None = None,
    name: str | None = None,
) -> bytes:
    """Events of every programme item, session and talk; `only` keeps the talks and
    sessions with these codes (a personal agenda). Talks without their own times take
    their session's."""
    wanted = set(only) if only is not None else None
    conference = programme.conference
    events = []
    if wanted is None:
        for item in programme.items:
            if item.talk_or_none:
                continue  # the talk's own event below
            events.append(
                CalendarEvent(
                    uid=name_uid(conference.year, item.date, item.start, item.kind, item.title),
                    date=item.date,
                    start=item.start,
                    end=item.end,
                    summary=bilingual(item, "title"),
                    location=bilingual(item.room, "name"),
                    description=bilingual(item, "description"),
                )
            )
    for session in programme.sessions:
        if wanted is None or session.code in wanted:
            chairs = people_line(session.ordered_chairs)
            events.append(
                CalendarEvent(
                    uid=name_uid(conference.year, "sessions", session.code),
                    date=session.date,
                    start=session.start,
                    end=session.end,
                    summary=f"{session.code} {plain_text(session.topic)}",
                    location=bilingual(session.room, "name"),
                    description="\n".join(
                        filter(
                            None,
                            [
                                f"主持人 Chairs: {chairs}" if chairs else "",
                                f"腾讯会议 {session.meeting}" if session.meeting else "",
                                *(talk_line(t) for t in session.ordered_talks),
                            ],
                        )
                    ),
                    url=absolute_url(session.get_absolute_url()),
                )
            )
    for talk in programme.talks:
        if wanted is not None and talk.code not in wanted:
            continue
        where = talk.session or talk.item
        events.append(
            CalendarEvent(
                uid=f"{talk.guid}@{UID_DOMAIN}",
                date=where.date,
                start=talk.start or where.start,
                end=talk.end or where.end,
                summary=f"{plain_text(talk.title)} — {people_line(talk.ordered_speakers)}",
                location=bilingual(where.room, "name"),
                description="\n\n".join(
                    filter(None, [people_line(talk.ordered_speakers), talk.abstract])
                ),
                url=absolute_url(talk.get_absolute_url()),
            )
        )
    return serialise(name or str(conference), events, stamp)


def serialise(name: str, events: list[CalendarEvent], stamp: dt.datetime) -> bytes:
    """The calendar, byte for byte as icalendar 7 writes it (tests/test_ics.py builds
    the same calendar with icalendar and compares): its property order (the canonical
    ones first, then by name), its TEXT escaping, its folding.

    Why not icalendar itself: building a year's 400 events as its objects, and encoding
    each property through its type registry, took four fifths of the export's time on a
    miss (bench/); every value here is a text, a Shanghai time or a URL."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CSML//Programme//ZH",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:" + text(name),
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    if events:  # as calendar.add_missing_timezones() would: every time is Shanghai's
        lines += shanghai_timezone_lines()
    dtstamp = "DTSTAMP:" + stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            "SUMMARY:" + text(event.summary),
            f"DTSTART;TZID=Asia/Shanghai:{event.date:%Y%m%d}T{event.start:%H%M%S}",
            f"DTEND;TZID=Asia/Shanghai:{event.date:%Y%m%d}T{event.end:%H%M%S}",
            dtstamp,
            "UID:" + text(event.uid),
        ]
        if event.description:
            lines.append("DESCRIPTION:" + text(event.description))
        if event.location:
            lines.append("LOCATION:" + text(event.location))
        if event.url:
            lines.append("URL:" + event.url)  # a URI: written as it is
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return b"\r\n".join(fold(line.encode()) for line in lines) + b"\r\n"


def text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 asks, in icalendar's order (which also
    turns a written `\\N` into a line break, and any line ending into one `\\n`)."""
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


@cache
def shanghai_timezone_lines() -> tuple[str, ...]:
    """The VTIMEZONE of Asia/Shanghai as icalendar derives it from the zone's
    transitions (a third of a year's calendar time when it was made on every call): it
    depends on the zone alone (icalendar's default date range)."""
    return tuple(line for line in Timezone.from_tzid("Asia/Shanghai").content_lines() if line)


# RFC 5545 3.1: content lines are folded at 75 octets, a fold being CRLF and a space.
FOLD_LIMIT = 75
FOLD = b"\r\n "
ESCAPES = b"\\^"  # the first character of a TEXT or RFC 6868 parameter escape


def fold(line: bytes) -> bytes:
    """Fold a UTF-8 content line exactly as icalendar 7 does: pieces of at most 74
    octets, cut between characters, never right after the first character of an escape
    (a backslash or circumflex, issue 1501 of icalendar) unless it stands alone."""
    if len(line) < FOLD_LIMIT:
        return line
    pieces = []
    start = 0
    while len(line) - start >= FOLD_LIMIT:
        end = start + FOLD_LIMIT - 1
        while end > start and 0x80 <= line[end] < 0xC0:  # inside a character
            end -= 1
        if end == start:  # a single character longer than the limit
            end += 1
            while end < len(line) and 0x80 <= line[end] < 0xC0:
                end += 1
        elif line[end - 1] in ESCAPES and end - 1 > start:
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return FOLD.join(pieces)
