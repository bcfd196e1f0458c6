"""The frab schedule of a year ("Fahrplan"), as JSON and as XML.

The format is the one pretalx, frab and Indico exchange and conference apps (Giggity,
EventFahrplan, ConfClerk) read, https://c3voc.de/wiki/schedule. `frab_data()` builds one
plain `FrabSchedule`; `frab_schedule()` writes it as JSON and `frab_xml()` as XML, and
neither decides anything of its own. Both documents validate against the schemas in
shared/formats/frab/ (tests/test_frab.py).

Decisions:

- Events: every talk, in its session's room (an invited talk in its programme item's
  room), and every programme item with a room and no talk of its own (opening,
  roundtable, group photo, a lunch with its restaurant). Items without a room (most
  breaks, lunches and registration desks) are left out: a frab event must have a room,
  and a made-up one would show as a room of its own in every app. A talk is never left
  out: one whose session or item has no room (none so far) is in the pseudo-room
  `NO_ROOM`.
- Times: Asia/Shanghai, written with their +08:00 offset; see `talk_times`.
- ids: frab's integer ids are deprecated but still required and unique in a file. A
  talk's id is its `Talk.pk`, a programme item's `ITEM_ID_OFFSET + ProgrammeItem.pk`.
- guids: a talk's is the stored `Talk.guid`; items, rooms and people get name-based UUIDs
  of their natural keys (`name_uuid`), an item's equal to its UID in the ICS export.
  All of them survive re-imports, and loading the fixtures into a new database.
- slugs: `csml2025-talk-a1-1` from the talk code, `csml2025-lunch-1a2b3c4d` for an item
  (kind and the start of its guid). The XSD wants 4+ characters after the acronym's
  hyphen, which a code such as `p1` alone would not give, and a Chinese title has no
  ASCII to make a slug of.
- Chairs of a session and hosts of an item are not persons (apps list persons as the
  speakers): they are the line "主持人 Chairs: ..." of the event's description, after
  the session and the speakers with their affiliations.
- Tracks: a session's track, invited talks "大会邀请报告 Invited talks", other items
  none.
- One file for every reader (apps poll one address, whatever language they show): rooms,
  tracks, the titles and descriptions of programme items and the conference's title are
  written in Chinese and then English where the data has an English form
  (`localized.bilingual`: "午餐 Lunch", "友谊宫 5 号会议室 Friendship Palace Meeting Room
  5"), like the labels above; guids stay those of the Chinese names.
"""

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from itertools import pairwise

from programme.caching.urls import url_for
from programme.exporters.ics import SHANGHAI, people_line
from programme.identity import name_uuid
from programme.localized import bilingual
from programme.models import ProgrammeItem, Room, Talk
from programme.queries import Programme
from programme.rich_text import plain_text
from programme.text import xml_safe

JSON_SCHEMA = "https://c3voc.de/schedule/schema.json"
TIME_ZONE_NAME = "Asia/Shanghai"
TIMESLOT_DURATION = "00:05"
ITEM_ID_OFFSET = 1_000_000_000  # below 2**31, and above any Talk.pk this site will see
INVITED_TRACK = "大会邀请报告 Invited talks"
NO_ROOM = "会场待定 Room to be announced"  # for a talk whose session or item has no room
NO_ROOM_POSITION = 10_000  # after every printed room
TALK_TYPE = "talk"
INVITED_TALK_TYPE = "invited talk"
ITEM_TYPES = {
    ProgrammeItem.Kind.BREAK: "break",
    ProgrammeItem.Kind.LUNCH: "break",
    ProgrammeItem.Kind.ROUNDTABLE: "discussion",
}  # every other kind of item is "other"


@dataclass(frozen=True)
class FrabPerson:
    name: str
    guid: uuid.UUID
    url: str
    biography: str


@dataclass(frozen=True)
class FrabLink:
    url: str
    title: str
    type: str = "related"


@dataclass(frozen=True)
class FrabRoom:
    name: str
    guid: uuid.UUID
    position: int


@dataclass(frozen=True)
class FrabTrack:
    name: str
    slug: str


@dataclass(frozen=True)
class FrabEvent:
    id: int
    guid: uuid.UUID
    start: dt.datetime
    end: dt.datetime
    room: FrabRoom
    slug: str
    url: str
    title: str
    track: str | None
    type: str
    abstract: str
    description: str
    persons: list[FrabPerson]
    links: list[FrabLink]

    @property
    def duration(self) -> str:
        minutes = int((self.end - self.start).total_seconds()) // 60
        return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class FrabDay:
    index: int
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    rooms: list[tuple[FrabRoom, list[FrabEvent]]]


@dataclass(frozen=True)
class FrabSchedule:
    version: str
    base_url: str
    url: str
    acronym: str
    title: str
    start: dt.date
    end: dt.date
    tracks: list[FrabTrack]
    rooms: list[FrabRoom]
    days: list[FrabDay]


def slug(*parts) -> str:
    """`slug("csml2025", "talk", "A1-1") == "csml2025-talk-a1-1"`."""
    return "-".join(re.sub(r"[^a-z0-9]+", "-", str(p).lower()).strip("-") for p in parts)


def even_slots(start: dt.datetime, end: dt.datetime, count: int) -> list[tuple]:
    """`count` consecutive slots filling `start`-`end`, as equal as whole minutes allow:
    120 minutes for 7 talks start at +0, 17, 34, 51, 68, 85 and 102 minutes."""
    if count == 0:
        return []
    minutes = int((end - start).total_seconds()) // 60
    bounds = [start + dt.timedelta(minutes=minutes * i // count) for i in range(count + 1)]
    bounds[-1] = end
    return list(pairwise(bounds))


def talk_times(talk: Talk, slot: tuple[dt.datetime, dt.datetime]) -> tuple:
    """A talk's start and end: its own when the book prints them, else `slot`, its share
    of the session's time divided evenly among the session's talks in printed order (an
    invited talk's slot is its whole programme item). A talk with only one own time that
    falls outside its slot keeps the slot's length from its start."""
    start = dt.datetime.combine(slot[0].date(), talk.start, SHANGHAI) if talk.start else slot[0]
    end = dt.datetime.combine(slot[0].date(), talk.end, SHANGHAI) if talk.end else slot[1]
    if end <= start:
        end = start + (slot[1] - slot[0])
    return start, end


def at(date: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(date, time, SHANGHAI)


def frab_data(programme: Programme, *, base_url: str, version: str) -> FrabSchedule:
    """The schedule of `programme` (from `programme_for_conference`) for both writers;
    reads nothing the programme has not fetched."""
    conference = programme.conference
    site = base_url.rstrip("/")
    acronym = f"csml{conference.year}"
    rooms: dict[str, FrabRoom] = {}

    def room_of(room: Room | None) -> FrabRoom:
        if room is None:
            if NO_ROOM not in rooms:
                rooms[NO_ROOM] = FrabRoom(
                    NO_ROOM, name_uuid(conference.year, "rooms", NO_ROOM), NO_ROOM_POSITION
                )
            return rooms[NO_ROOM]
        if room.name not in rooms:
            guid = name_uuid(conference.year, "rooms", room.name)
            rooms[room.name] = FrabRoom(bilingual(room, "name"), guid, room.position)
        return rooms[room.name]

    def persons(appearances) -> list[FrabPerson]:
        return [
            FrabPerson(
                name=a.person.name,
                guid=name_uuid("people", a.person.key),
                url=site + a.person.get_absolute_url(),
                biography=a.bio,
            )
            for a in appearances
        ]

    def description(*lines) -> str:
        return "\n".join(line for line in lines if line)

    def chairs_line(appearances) -> str:
        return f"主持人 Chairs: {people_line(appearances)}" if appearances else ""

    def talk_event(talk: Talk, slot, room: Room | None, *, track, type, lines, links):
        start, end = talk_times(talk, slot)
        return FrabEvent(
            id=talk.pk,
            guid=talk.guid,
            start=start,
            end=end,
            room=room_of(room),
            slug=slug(acronym, "talk", talk.code),
            url=site + talk.get_absolute_url(),
            title=plain_text(talk.title),
            track=track,
            type=type,
            abstract=talk.abstract,
            description=description(
                *lines,
                f"报告人 Speakers: {people_line(talk.ordered_speakers)}",
                "线上报告 Online" if talk.online else "",
            ),
            persons=persons(talk.ordered_speakers),
            links=links,
        )

    schedule_url = site + url_for("programme:schedule", conference.year)
    events = []
    for item in programme.items:
        slot = (at(item.date, item.start), at(item.date, item.end))
        talk = item.talk_or_none
        if talk:
            events.append(
                talk_event(
                    talk,
                    slot,
                    item.room,
                    track=INVITED_TRACK,
                    type=INVITED_TALK_TYPE,
                    lines=[bilingual(item, "title"), chairs_line(item.ordered_hosts)],
                    links=[],
                )
            )
            continue
        if item.room is None:
            continue
        guid = name_uuid(conference.year, item.date, item.start, item.kind, item.title)
        events.append(
            FrabEvent(
                id=ITEM_ID_OFFSET + item.pk,
                guid=guid,
                start=slot[0],
                end=slot[1],
                room=room_of(item.room),
                slug=slug(acronym, item.kind, guid.hex[:8]),
                url=f"{schedule_url}#day-{item.date:%Y-%m-%d}",
                title=bilingual(item, "title"),
                track=None,
                type=ITEM_TYPES.get(item.kind, "other"),
                abstract="",
                description=description(
                    bilingual(item, "description"), chairs_line(item.ordered_hosts)
                ),
                persons=[],
                links=[],
            )
        )
    for session in programme.sessions:
        slots = even_slots(
            at(session.date, session.start),
            at(session.date, session.end),
            len(session.ordered_talks),
        )
        for talk, slot in zip(session.ordered_talks, slots, strict=True):
            events.append(
                talk_event(
                    talk,
                    slot,
                    session.room,
                    track=bilingual(session.track, "name"),
                    type=TALK_TYPE,
                    lines=[
                        f"分会 Session: {session.code} {plain_text(session.topic)}",
                        chairs_line(session.ordered_chairs),
                        f"腾讯会议 {session.meeting}" if session.meeting else "",
                    ],
                    links=[
                        FrabLink(
                            url=site + session.get_absolute_url(),
                            title=f"{session.code} {plain_text(session.topic)}",
                        )
                    ],
                )
            )

    dates = {e.start.date() for e in events}
    dates |= {
        conference.start_date + dt.timedelta(days=n)
        for n in range((conference.end_date - conference.start_date).days + 1)
    }
    days = []
    for index, date in enumerate(sorted(dates), start=1):
        todays = sorted(
            (e for e in events if e.start.date() == date),
            key=lambda e: (e.room.position, e.start, e.id),
        )
        by_room: dict[FrabRoom, list[FrabEvent]] = {}
        for event in todays:
            by_room.setdefault(event.room, []).append(event)
        days.append(
            FrabDay(
                index=index,
                date=date,
                start=min((e.start for e in todays), default=at(date, dt.time(0))),
                end=max((e.end for e in todays), default=at(date, dt.time(23, 59))),
                rooms=list(by_room.items()),
            )
        )
    tracks = [FrabTrack(bilingual(t, "name"), slug(acronym, t.code)) for t in programme.tracks]
    if programme.invited_talks:
        tracks.insert(0, FrabTrack(INVITED_TRACK, slug(acronym, "invited")))
    return FrabSchedule(
        version=version,
        base_url=f"{site}/",
        url=site + conference.get_absolute_url(),
        acronym=acronym,
        title=bilingual(conference, "name"),
        start=min(dates),
        end=max(dates),
        tracks=tracks,
        rooms=sorted(rooms.values(), key=lambda r: r.position),
        days=days,
    )


def frab_schedule(programme: Programme, *, base_url: str, version: str) -> dict:
    """The schedule as a JSON document (c3voc schedule.json), ready for `json.dumps`."""
    data = frab_data(programme, base_url=base_url, version=version)

    def event(e: FrabEvent) -> dict:
        return {
            "id": e.id,
            "guid": str(e.guid),
            "date": e.start.isoformat(),
            "start": f"{e.start:%H:%M}",
            "end": e.end.isoformat(),
            "duration": e.duration,
            "room": e.room.name,
            "slug": e.slug,
            "url": e.url,
            "title": e.title,
            "subtitle": None,
            "track": e.track,
            "type": e.type,
            "language": None,
            "abstract": e.abstract,
            "description": e.description,
            "persons": [
                {"name": p.name, "guid": str(p.guid), "url": p.url, "biography": p.biography}
                for p in e.persons
            ],
            "links": [
                {"url": link.url, "type": link.type, "title": link.title} for link in e.links
            ],
        }

    return {
        "$schema": JSON_SCHEMA,
        "schedule": {
            "version": data.version,
            "base_url": data.base_url,
            "conference": {
                "acronym": data.acronym,
                "title": data.title,
                "start": data.start.isoformat(),
                "end": data.end.isoformat(),
                "daysCount": len(data.days),
                "timeslot_duration": TIMESLOT_DURATION,
                "time_zone_name": TIME_ZONE_NAME,
                "url": data.url,
                "tracks": [{"name": t.name, "slug": t.slug} for t in data.tracks],
                "rooms": [{"name": r.name, "guid": str(r.guid)} for r in data.rooms],
                "days": [
                    {
                        "index": day.index,
                        "date": day.date.isoformat(),
                        "day_start": day.start.isoformat(),
                        "day_end": day.end.isoformat(),
                        "rooms": {
                            room.name: [event(e) for e in events] for room, events in day.rooms
                        },
                    }
                    for day in data.days
                ],
            },
        },
    }


XML_DECLARATION = b"<?xml version='1.0' encoding='utf-8'?>\n"


def frab_xml(programme: Programme, *, base_url: str, version: str) -> bytes:
    """The schedule as an XML document (c3voc schedule.xml.xsd), UTF-8 with declaration,
    indented as `ET.indent` indents.

    Written line by line, not built as an ElementTree and serialised: the tree's 27,000
    elements and ElementTree's generic serialiser took half the export's time on a
    miss. tests/test_frab.py reads the document back with ElementTree and checks that
    ElementTree writes it again character for character, so the escaping and layout
    are ElementTree's. Characters XML cannot carry are dropped from the whole text in
    one pass at the end (escaping never makes them)."""
    data = frab_data(programme, base_url=base_url, version=version)
    lines = ["<schedule>"]

    def leaf(indent: str, tag: str, text, **attributes):
        text = "" if text is None else str(text)
        opening = f"{indent}<{tag}{attributes_text(attributes)}"
        if text:
            lines.append(f"{opening}>{escape_text(text)}</{tag}>")
        else:
            lines.append(f"{opening} />")

    def parent(indent: str, tag: str, children: list, write_child, **attributes):
        """An element holding `children`, each written by `write_child(child)`."""
        if not children:
            lines.append(f"{indent}<{tag}{attributes_text(attributes)} />")
            return
        lines.append(f"{indent}<{tag}{attributes_text(attributes)}>")
        for child in children:
            write_child(child)
        lines.append(f"{indent}</{tag}>")

    leaf("  ", "version", data.version)
    lines.append("  <conference>")
    leaf("    ", "acronym", data.acronym)
    leaf("    ", "title", data.title)
    leaf("    ", "start", data.start.isoformat())
    leaf("    ", "end", data.end.isoformat())
    leaf("    ", "days", len(data.days))
    leaf("    ", "timeslot_duration", TIMESLOT_DURATION)
    leaf("    ", "base_url", data.base_url)
    leaf("    ", "url", data.url)
    leaf("    ", "time_zone_name", TIME_ZONE_NAME)
    for track in data.tracks:
        leaf("    ", "track", "", name=track.name, slug=track.slug)
    lines.append("  </conference>")

    def event(e):
        indent = "        "
        lines.append(f"      <event{attributes_text({'id': e.id, 'guid': e.guid})}>")
        leaf(indent, "date", e.start.isoformat())
        leaf(indent, "start", f"{e.start:%H:%M}")
        leaf(indent, "duration", e.duration)
        leaf(indent, "room", e.room.name)
        leaf(indent, "slug", e.slug)
        leaf(indent, "url", e.url)
        leaf(indent, "title", e.title)
        leaf(indent, "track", e.track or "")
        leaf(indent, "type", e.type)
        leaf(indent, "abstract", e.abstract)
        leaf(indent, "description", e.description)
        parent(
            indent,
            "persons",
            e.persons,
            lambda p: leaf(indent + "  ", "person", p.name, guid=p.guid),
        )
        parent(
            indent,
            "links",
            e.links,
            lambda link: leaf(indent + "  ", "link", link.title, href=link.url, type=link.type),
        )
        lines.append("      </event>")

    def room(room_and_events):
        room, events = room_and_events
        parent("    ", "room", events, event, name=room.name, guid=room.guid)

    for day in data.days:
        attributes = {
            "index": day.index,
            "date": day.date.isoformat(),
            "start": day.start.isoformat(),
            "end": day.end.isoformat(),
        }
        parent("  ", "day", day.rooms, room, **attributes)
    lines.append("</schedule>")
    return XML_DECLARATION + xml_safe("\n".join(lines)).encode()


def attributes_text(attributes: dict) -> str:
    return "".join(
        f' {name}="{escape_attribute(str(value))}"' for name, value in attributes.items()
    )


def escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(text: str) -> str:
    """As ElementTree escapes an attribute: line breaks and tabs too, which a parser
    would otherwise read as spaces."""
    return (
        escape_text(text)
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#09;")
    )
