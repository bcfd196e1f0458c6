"""iCalendar (RFC 5545) files of a year, a session, a talk, or a personal selection.

Times are Asia/Shanghai with a VTIMEZONE; UIDs are stable across re-imports (talks use
their stored GUID, sessions and items a name-based UUID of their natural key).
"""

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone

from programme.identity import DOMAIN as UID_DOMAIN
from programme.identity import name_uuid
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


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//CSML//Programme//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    return calendar


def event(*, uid, date, start, end, summary, location="", description="", url="", stamp):
    entry = Event()
    entry.add("uid", uid)
    entry.add("dtstamp", stamp)
    entry.add("dtstart", dt.datetime.combine(date, start, tzinfo=SHANGHAI))
    entry.add("dtend", dt.datetime.combine(date, end, tzinfo=SHANGHAI))
    entry.add("summary", summary)
    if location:
        entry.add("location", location)
    if description:
        entry.add("description", description)
    if url:
        entry.add("url", url)
    return entry


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
    calendar = new_calendar(name or str(conference))
    if wanted is None:
        for item in programme.items:
            if item.talk_or_none:
                continue  # the talk's own event below
            calendar.add_component(
                event(
                    uid=name_uid(conference.year, item.date, item.start, item.kind, item.title),
                    date=item.date,
                    start=item.start,
                    end=item.end,
                    summary=item.title,
                    location=item.room.name if item.room else "",
                    description=item.description,
                    stamp=stamp,
                )
            )
    for session in programme.sessions:
        if wanted is None or session.code in wanted:
            chairs = people_line(session.ordered_chairs)
            calendar.add_component(
                event(
                    uid=name_uid(conference.year, "sessions", session.code),
                    date=session.date,
                    start=session.start,
                    end=session.end,
                    summary=f"{session.code} {plain_text(session.topic)}",
                    location=session.room.name if session.room else "",
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
                    stamp=stamp,
                )
            )
    for talk in programme.talks:
        if wanted is not None and talk.code not in wanted:
            continue
        where = talk.session or talk.item
        calendar.add_component(
            event(
                uid=f"{talk.guid}@{UID_DOMAIN}",
                date=where.date,
                start=talk.start or where.start,
                end=talk.end or where.end,
                summary=f"{plain_text(talk.title)} — {people_line(talk.ordered_speakers)}",
                location=where.room.name if where.room else "",
                description="\n\n".join(
                    filter(None, [people_line(talk.ordered_speakers), talk.abstract])
                ),
                url=absolute_url(talk.get_absolute_url()),
                stamp=stamp,
            )
        )
    if calendar.subcomponents:
        # What calendar.add_missing_timezones() adds: every time here is in Shanghai.
        calendar.subcomponents.insert(0, shanghai_timezone())
    return serialise(calendar)


@cache
def shanghai_timezone() -> Timezone:
    """The VTIMEZONE of Asia/Shanghai, built once: icalendar derives it from the zone's
    transitions on every call, a third of a year's calendar time. It depends on the zone
    alone (icalendar's default date range), and nothing changes it after it is built."""
    return Timezone.from_tzid("Asia/Shanghai")


# RFC 5545 3.1: content lines are folded at 75 octets, a fold being CRLF and a space.
FOLD_LIMIT = 75
FOLD = b"\r\n "
ESCAPES = b"\\^"  # the first character of a TEXT or RFC 6868 parameter escape


def serialise(calendar: Calendar) -> bytes:
    """`calendar.to_ical()`, byte for byte, with the lines folded by `fold`.

    Why: icalendar folds character by character, encoding each one to count its
    octets, and that took two thirds of the time of a year's calendar (bench/)."""
    lines = calendar.content_lines()
    return b"\r\n".join(fold(line.encode()) for line in lines if line) + b"\r\n"


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
