"""Fixture file -> ProgrammeData, checking everything before the database is touched.

`parse_programme(text, file)` returns the data and the list of every problem found, each
with the file, line and path (`sessions[12].talks[3].title`). The format is described in
fixtures/README.md. Nothing here imports the database layer.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from programme.importers.yaml_source import (
    DuplicateKeyError,
    LocatedDict,
    LocatedList,
    SourceError,
    read_yaml,
)
from programme.text import web_url

ITEM_KINDS = (
    "registration",
    "opening",
    "invited_talk",
    "break",
    "lunch",
    "roundtable",
    "photo",
    "closing",
    "other",
)
COMMITTEE_ROLES = (
    "chairs",
    "academic_committee",
    "roundtable_moderator",
    "roundtable_panel",
    "invited_speakers",
    "organising_chairs",
    "organising_members",
)
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# A person key qualifies a name in parentheses: 王磊 (浙江大学). Both bracket widths count.
QUALIFIED_KEY = re.compile(r"[（(].*[)）]\s*$")


@dataclass
class PersonRef:
    key: str
    affiliation: str = ""
    title: str = ""
    online: bool = False
    bio: str = ""


@dataclass
class PersonData:
    name: str
    key: str
    name_en: str = ""
    email: str = ""
    homepage: str = ""


@dataclass
class ContactData:
    name: str
    email: str = ""
    phone: str = ""
    role: str = ""


@dataclass
class TrackData:
    code: str
    name_zh: str
    name_en: str = ""
    contacts: list[str] = field(default_factory=list)


@dataclass
class TalkData:
    code: str
    title: str
    speakers: list[PersonRef]
    abstract: str = ""
    online: bool = False
    start: dt.time | None = None
    end: dt.time | None = None


@dataclass
class ItemData:
    kind: str
    date: dt.date
    start: dt.time
    end: dt.time
    title: str
    room: str = ""
    description: str = ""
    hosts: list[PersonRef] = field(default_factory=list)
    talk: TalkData | None = None

    @property
    def key(self):
        return (self.date, self.start, self.kind, self.title)


@dataclass
class SessionData:
    code: str
    track: str
    topic: str
    date: dt.date
    start: dt.time
    end: dt.time
    room: str = ""
    meeting: str = ""
    chairs: list[PersonRef] = field(default_factory=list)
    talks: list[TalkData] = field(default_factory=list)


@dataclass
class ConferenceData:
    name_zh: str
    start_date: dt.date
    end_date: dt.date
    name_en: str = ""
    short_name: str = ""
    registration_date: dt.date | None = None
    registration_times: str = ""
    venue: str = ""
    address: str = ""
    website: str = ""
    livestream: str = ""
    hotel: dict = field(default_factory=dict)
    intro_zh: str = ""
    intro_en: str = ""
    published: bool = False


@dataclass
class ProgrammeData:
    year: int
    conference: ConferenceData
    notes: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    co_hosts: list[str] = field(default_factory=list)
    contacts: list[ContactData] = field(default_factory=list)
    people: list[PersonData] = field(default_factory=list)
    committees: dict[str, list[PersonRef]] = field(default_factory=dict)
    rooms: list[str] = field(default_factory=list)
    tracks: list[TrackData] = field(default_factory=list)
    programme: list[ItemData] = field(default_factory=list)
    sessions: list[SessionData] = field(default_factory=list)

    def talks(self) -> list[TalkData]:
        invited = [item.talk for item in self.programme if item.talk]
        return invited + [talk for session in self.sessions for talk in session.talks]

    def person_refs(self) -> list[PersonRef]:
        refs = [ref for refs in self.committees.values() for ref in refs]
        refs += [ref for item in self.programme for ref in item.hosts]
        refs += [ref for session in self.sessions for ref in session.chairs]
        refs += [ref for talk in self.talks() for ref in talk.speakers]
        return refs


class Invalid(Exception):
    """A value that cannot be converted; the message says what is wrong with it."""


REQUIRED = object()


class Reader:
    """Converts located YAML values, collecting errors instead of stopping at the first."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[SourceError] = []

    def error(self, line: int, path: str, message: str):
        self.errors.append(SourceError(self.file, line, path, message))

    def record(self, node, path: str, spec: dict[str, tuple[Callable, Any]], line: int):
        """Check `node` is a mapping with only the keys of `spec`; convert each value.

        `spec` maps key -> (converter, default); REQUIRED as default makes the key
        mandatory. Returns a dict of converted values, or None if the record is unusable.
        """
        if not isinstance(node, dict):
            self.error(line, path, f"expected a mapping, found {describe(node)}")
            return None
        node_line = getattr(node, "line", line)
        key_lines = getattr(node, "key_lines", {})
        for key in node:
            if key not in spec:
                known = ", ".join(spec)
                self.error(
                    key_lines.get(key, node_line),
                    join(path, str(key)),
                    f"unknown key (expected one of: {known})",
                )
        values, ok = {}, True
        for key, (convert, default) in spec.items():
            key_path = join(path, key)
            key_line = key_lines.get(key, node_line)
            if key not in node or node[key] is None:
                if default is REQUIRED:
                    self.error(node_line, key_path, "missing")
                    ok = False
                else:
                    values[key] = default() if callable(default) else default
                continue
            try:
                values[key] = convert(self, node[key], key_path, key_line)
            except Invalid as exc:
                self.error(key_line, key_path, str(exc))
                ok = ok and default is not REQUIRED
                values[key] = default() if callable(default) else default
        return values if ok else None

    def items(self, node, path: str, line: int, convert: Callable) -> list:
        """Convert every element of a list with `convert(reader, value, path, line)`."""
        if not isinstance(node, list):
            raise Invalid(f"expected a list, found {describe(node)}")
        result = []
        for index, value in enumerate(node):
            item_line = node.item_lines[index] if isinstance(node, LocatedList) else line
            try:
                converted = convert(self, value, f"{path}[{index}]", item_line)
            except Invalid as exc:
                self.error(item_line, f"{path}[{index}]", str(exc))
                continue
            if converted is not None:
                result.append(converted)
        return result


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


# Converters: (reader, value, path, line) -> converted value, or raise Invalid.


def text(reader, value, path, line) -> str:
    if isinstance(value, bool | dict | list):
        raise Invalid(f"expected text, found {describe(value)}")
    if isinstance(value, dt.date):
        raise Invalid(f"expected text, found the date {value}; quote it")
    return str(value).strip()


def one_line(reader, value, path, line) -> str:
    value = text(reader, value, path, line)
    if "\n" in value:
        raise Invalid("expected a single line of text")
    return value


def year_value(reader, value, path, line) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1900 <= value <= 2200:
        raise Invalid(f"expected a year such as 2025, found {describe(value)}")
    return value


def date_value(reader, value, path, line) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise Invalid(f"expected a date YYYY-MM-DD, found {describe(value)}")
    return value


def time_value(reader, value, path, line) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 8:20 as the sexagesimal number 500.
        raise Invalid(f'times must be quoted "HH:MM" (YAML read {value!r} as a number)')
    match = TIME_PATTERN.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise Invalid(f'expected a time "HH:MM", found {describe(value)}')
    return dt.time(int(match[1]), int(match[2]))


def boolean(reader, value, path, line) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, found {describe(value)}")
    return value


def code_value(reader, value, path, line) -> str:
    value = one_line(reader, value, path, line)
    if not CODE_PATTERN.match(value):
        raise Invalid(f"{value!r} is not a code (letters, digits, - and _)")
    return value


def email_value(reader, value, path, line) -> str:
    value = one_line(reader, value, path, line)
    if value and not EMAIL_PATTERN.match(value):
        raise Invalid(f"{value!r} is not an e-mail address")
    return value


def url_value(reader, value, path, line) -> str:
    value = one_line(reader, value, path, line)
    if value and not web_url(value):
        raise Invalid(f"{value!r} is not a web address")
    return value


def text_list(reader, value, path, line) -> list[str]:
    return reader.items(value, path, line, one_line)


def list_of(convert: Callable) -> Callable:
    def convert_list(reader, value, path, line):
        return reader.items(value, path, line, convert)

    return convert_list


def person_ref_with(*extra: str) -> Callable:
    """A person reference: a name, or a mapping with `person` and the `extra` keys."""
    optional = {
        "affiliation": (one_line, ""),
        "title": (one_line, ""),
        "online": (boolean, False),
        "bio": (text, ""),
    }
    spec = {"person": (one_line, REQUIRED)} | {key: optional[key] for key in extra}

    def convert(reader, value, path, line):
        if isinstance(value, str):
            value = {"person": value}
        values = reader.record(value, path, spec, line)
        if values is None:
            return None
        if not values["person"]:
            raise Invalid("person name is empty")
        return PersonRef(key=values.pop("person"), **values)

    return convert


def record_of(cls, spec) -> Callable:
    def convert(reader, value, path, line):
        values = reader.record(value, path, spec, line)
        return cls(**values) if values is not None else None

    return convert


def hotel_value(reader, value, path, line) -> dict:
    spec = {key: (one_line, "") for key in ("name", "website", "phone")}
    return reader.record(value, path, spec, line) or {}


CONFERENCE_SPEC = {
    "name_zh": (one_line, REQUIRED),
    "name_en": (one_line, ""),
    "short_name": (one_line, ""),
    "start_date": (date_value, REQUIRED),
    "end_date": (date_value, REQUIRED),
    "registration_date": (date_value, None),
    "registration_times": (one_line, ""),
    "venue": (one_line, ""),
    "address": (one_line, ""),
    "website": (url_value, ""),
    "livestream": (url_value, ""),
    "hotel": (hotel_value, dict),
    "intro_zh": (text, ""),
    "intro_en": (text, ""),
    "published": (boolean, False),
}
CONTACT_SPEC = {
    "name": (one_line, REQUIRED),
    "email": (email_value, ""),
    "phone": (one_line, ""),
    "role": (one_line, ""),
}
PERSON_SPEC = {
    "name": (one_line, REQUIRED),
    "key": (one_line, ""),
    "name_en": (one_line, ""),
    "email": (email_value, ""),
    "homepage": (url_value, ""),
}
TRACK_SPEC = {
    "code": (code_value, REQUIRED),
    "name_zh": (one_line, REQUIRED),
    "name_en": (one_line, ""),
    "contacts": (text_list, list),
}
SPEAKER = person_ref_with("affiliation", "bio")
TALK_SPEC = {
    "code": (code_value, REQUIRED),
    "title": (one_line, REQUIRED),
    "speakers": (list_of(SPEAKER), list),
    "online": (boolean, False),
    "start": (time_value, None),
    "end": (time_value, None),
    "abstract": (text, ""),
}
ITEM_SPEC = {
    "kind": (one_line, REQUIRED),
    "date": (date_value, REQUIRED),
    "start": (time_value, REQUIRED),
    "end": (time_value, REQUIRED),
    "title": (one_line, REQUIRED),
    "room": (one_line, ""),
    "description": (one_line, ""),
    "hosts": (list_of(person_ref_with("affiliation")), list),
    "talk": (record_of(TalkData, TALK_SPEC), None),
}
SESSION_SPEC = {
    "code": (code_value, REQUIRED),
    "track": (one_line, REQUIRED),
    "topic": (one_line, REQUIRED),
    "date": (date_value, REQUIRED),
    "start": (time_value, REQUIRED),
    "end": (time_value, REQUIRED),
    "room": (one_line, ""),
    "meeting": (one_line, ""),
    "chairs": (list_of(person_ref_with("affiliation", "online")), list),
    "talks": (list_of(record_of(TalkData, TALK_SPEC)), list),
}


def committees_value(reader, value, path, line) -> dict:
    spec = {
        role: (list_of(person_ref_with("affiliation", "title")), list) for role in COMMITTEE_ROLES
    }
    return reader.record(value, path, spec, line) or {}


FILE_SPEC = {
    "year": (year_value, REQUIRED),
    "notes": (list_of(text), list),
    "conference": (record_of(ConferenceData, CONFERENCE_SPEC), REQUIRED),
    "hosts": (text_list, list),
    "co_hosts": (text_list, list),
    "contacts": (list_of(record_of(ContactData, CONTACT_SPEC)), list),
    "people": (list_of(record_of(PersonData, PERSON_SPEC)), list),
    "committees": (committees_value, dict),
    "rooms": (text_list, list),
    "tracks": (list_of(record_of(TrackData, TRACK_SPEC)), list),
    "programme": (list_of(record_of(ItemData, ITEM_SPEC)), list),
    "sessions": (list_of(record_of(SessionData, SESSION_SPEC)), list),
}


def parse_programme(source: str, file: str) -> tuple[ProgrammeData | None, list[SourceError]]:
    """Parse and check one fixture file. Data is None when errors were found."""
    reader = Reader(file)
    try:
        document = read_yaml(source)
    except DuplicateKeyError as exc:
        return None, [SourceError(file, exc.line, "", str(exc))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [SourceError(file, line, "", f"not valid YAML: {problem}")]
    values = reader.record(document, "", FILE_SPEC, 1)
    if values is None:
        return None, reader.errors
    data = ProgrammeData(**values)
    check_consistency(data, document, reader)
    if reader.errors:
        return None, reader.errors
    return data, []


def check_consistency(data: ProgrammeData, document: LocatedDict, reader: Reader):
    """Cross-references and rules that span records: codes, rooms, people, times."""

    def line_of(*path):
        node, line = document, document.line
        for step in path:
            if isinstance(node, dict) and step in node:
                line, node = node.key_lines.get(step, line), node[step]
            elif isinstance(node, list) and isinstance(step, int) and step < len(node):
                line, node = node.item_lines[step], node[step]
            else:
                break
        return getattr(node, "line", line)

    conference = data.conference
    if conference.end_date < conference.start_date:
        reader.error(line_of("conference"), "conference.end_date", "is before start_date")
    days = {
        conference.start_date + dt.timedelta(days=n)
        for n in range(max(0, (conference.end_date - conference.start_date).days) + 1)
    }
    if conference.registration_date:
        days_with_registration = days | {conference.registration_date}
    else:
        days_with_registration = days

    def unique(values, what, path_of):
        seen = {}
        for index, value in enumerate(values):
            if value in seen:
                reader.error(
                    line_of(*path_of(index)),
                    format_path(path_of(index)),
                    f"duplicate {what} {value!r} (first at {format_path(path_of(seen[value]))})",
                )
            else:
                seen[value] = index

    unique(data.rooms, "room", lambda i: ("rooms", i))
    unique([t.code for t in data.tracks], "track code", lambda i: ("tracks", i, "code"))
    unique([c.name for c in data.contacts], "contact", lambda i: ("contacts", i, "name"))
    unique([s.code for s in data.sessions], "session code", lambda i: ("sessions", i, "code"))
    unique([item.key for item in data.programme], "programme row", lambda i: ("programme", i))
    talk_paths = [
        ("programme", i, "talk", "code") for i, it in enumerate(data.programme) if it.talk
    ]
    talk_paths += [
        ("sessions", i, "talks", j, "code")
        for i, session in enumerate(data.sessions)
        for j, _ in enumerate(session.talks)
    ]
    unique([t.code for t in data.talks()], "talk code", lambda i: talk_paths[i])

    people_keys = [person.key or person.name for person in data.people]
    unique(people_keys, "person key", lambda i: ("people", i))
    homonyms = {person.name for person in data.people if person.key and person.key != person.name}
    declared = set(people_keys)

    def check_ref(ref: PersonRef, path):
        if ref.key in declared:
            return
        if QUALIFIED_KEY.search(ref.key):
            reader.error(
                line_of(*path),
                format_path(path),
                f"person key {ref.key!r} is not declared in people",
            )
        elif ref.key in homonyms:
            reader.error(
                line_of(*path),
                format_path(path),
                f"{ref.key!r} names several people; use one of their keys from people",
            )

    rooms, tracks, contacts = (
        set(data.rooms),
        {t.code for t in data.tracks},
        {c.name for c in data.contacts},
    )

    def check_room(room, path):
        if room and room not in rooms:
            reader.error(line_of(*path), format_path(path), f"room {room!r} is not in rooms")

    def check_times(start, end, path):
        if start is not None and end is not None and end <= start:
            reader.error(
                line_of(*path),
                format_path(path),
                f"ends at {end:%H:%M}, not after its start {start:%H:%M}",
            )

    for i, track in enumerate(data.tracks):
        for name in track.contacts:
            if name not in contacts:
                path = ("tracks", i, "contacts")
                reader.error(line_of(*path), format_path(path), f"contact {name!r} not in contacts")

    def check_refs(refs, path):
        unique([ref.key for ref in refs], "person", lambda j: (*path, j))
        for j, ref in enumerate(refs):
            check_ref(ref, (*path, j))

    for role, refs in data.committees.items():
        check_refs(refs, ("committees", role))
    for i, item in enumerate(data.programme):
        path = ("programme", i)
        if item.kind not in ITEM_KINDS:
            reader.error(
                line_of(*path, "kind"),
                format_path((*path, "kind")),
                f"unknown kind {item.kind!r} (expected one of: {', '.join(ITEM_KINDS)})",
            )
        allowed_days = days_with_registration if item.kind == "registration" else days
        if item.date not in allowed_days:
            reader.error(
                line_of(*path, "date"),
                format_path((*path, "date")),
                f"{item.date} is not a day of the conference",
            )
        check_times(item.start, item.end, path)
        check_room(item.room, (*path, "room"))
        check_refs(item.hosts, (*path, "hosts"))
        if item.talk:
            check_times(item.talk.start, item.talk.end, (*path, "talk"))
            check_refs(item.talk.speakers, (*path, "talk", "speakers"))
        elif item.kind == "invited_talk":
            reader.error(line_of(*path), format_path(path), "an invited_talk row needs a talk")
    for i, session in enumerate(data.sessions):
        path = ("sessions", i)
        if session.track not in tracks:
            reader.error(
                line_of(*path, "track"),
                format_path((*path, "track")),
                f"track {session.track!r} is not in tracks",
            )
        if session.date not in days:
            reader.error(
                line_of(*path, "date"),
                format_path((*path, "date")),
                f"{session.date} is not a day of the conference",
            )
        check_times(session.start, session.end, path)
        check_room(session.room, (*path, "room"))
        check_refs(session.chairs, (*path, "chairs"))
        for j, talk in enumerate(session.talks):
            check_times(talk.start, talk.end, (*path, "talks", j))
            check_refs(talk.speakers, (*path, "talks", j, "speakers"))


def format_path(steps) -> str:
    path = ""
    for step in steps:
        path = f"{path}[{step}]" if isinstance(step, int) else join(path, step)
    return path
