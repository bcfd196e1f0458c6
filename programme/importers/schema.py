"""The fixture format (fixtures/README.md), declared once.

Each record of the file is a dataclass; its fields, in file order, are the keys. A
field's metadata says how its value is read (`convert`), whether it must be present, and
which model field stores it (`column`). From this one declaration:

- the reader (parse.py) checks keys and values, asking the model field for its rules
  (length, code pattern, web address, e-mail, choices) and the model for its
  constraints (ends after it starts);
- the loader (load.py) takes a record's stored values with `model_values()`;
- the writer (programme/exporters/fixture.py) fills records with `from_row()` and writes
  them with `document()`;
- tests/test_importers.py checks that fixtures/README.md shows every key.
"""

# entry() returns a dataclasses.field(), which ruff cannot see through.
# ruff: noqa: RUF009

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models

from programme.importers.yaml_source import LocatedList
from programme.models import (
    CommitteeMembership,
    Conference,
    Contact,
    ItemHost,
    Organisation,
    Person,
    ProgrammeItem,
    Room,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
    Track,
)


class Invalid(Exception):
    """A value that cannot be read; the message says what is wrong with it."""


# Converters: (reader, value, path, line) -> the value read, or raise Invalid.


def describe(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


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
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise Invalid(f"expected a date YYYY-MM-DD, found {describe(value)}")


TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def time_value(reader, value, path, line) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 8:20 as the sexagesimal number 500.
        raise Invalid(f'times must be quoted "HH:MM" (YAML read {value!r} as a number)')
    match = TIME_PATTERN.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise Invalid(f'expected a time "HH:MM", found {describe(value)}')
    return dt.time(int(match[1]), int(match[2]))


def boolean(reader, value, path, line) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, found {describe(value)}")
    return value


def checked(convert: Callable, column) -> Callable:
    """`convert`, then the model field's own checks on the value read."""
    model_field = column.field

    def convert_checked(reader, value, path, line):
        value = convert(reader, value, path, line)
        check_choice(model_field, value)
        try:
            model_field.clean(value, None)
        except ValidationError as error:
            raise Invalid(" ".join(error.messages)) from None
        return value

    return convert_checked


def check_choice(model_field: models.Field, value):
    """The model's choices, listed in the message (Django's own message lists none)."""
    allowed = [choice for choice, _label in model_field.choices or ()]
    if allowed and value not in allowed:
        raise Invalid(
            f"unknown {model_field.name} {value!r} (expected one of: {', '.join(allowed)})"
        )


@dataclass(frozen=True)
class ListOf:
    """A list whose every element is read with `item`."""

    item: Callable

    def __call__(self, reader, value, path, line) -> list:
        if not isinstance(value, list):
            raise Invalid(f"expected a list, found {describe(value)}")
        result = []
        for index, element in enumerate(value):
            element_line = value.item_lines[index] if isinstance(value, LocatedList) else line
            try:
                read = self.item(reader, element, f"{path}[{index}]", element_line)
            except Invalid as exc:
                reader.error(element_line, f"{path}[{index}]", str(exc))
                continue
            if read is not None:
                result.append(read)
        return result


@dataclass(frozen=True)
class ListsByChoice:
    """A mapping from each choice of `column` (all of them, in the model's order) to a
    list of `item`: the committees, keyed by CommitteeMembership.Role."""

    column: object
    item: Callable

    def __call__(self, reader, value, path, line) -> dict:
        if not isinstance(value, dict):
            raise Invalid(f"expected a mapping, found {describe(value)}")
        key_lines = getattr(value, "key_lines", {})
        for key in value:
            try:
                check_choice(self.column.field, key)
            except Invalid as exc:
                reader.error(key_lines.get(key, line), join(path, str(key)), str(exc))
        read = {}
        for choice, _label in self.column.field.choices:
            key_path, key_line = join(path, choice), key_lines.get(choice, line)
            try:
                read[choice] = ListOf(self.item)(
                    reader, value.get(choice) or [], key_path, key_line
                )
            except Invalid as exc:
                reader.error(key_line, key_path, str(exc))
                read[choice] = []
        return read


def entry(convert: Callable, *, column=None, required=False, default=""):
    """A key of a record. `column` (e.g. `Talk.title`) is the model field that stores the
    value (for a list: each element); the reader applies that field's checks."""
    if column is not None:
        convert = (
            ListOf(checked(convert.item, column))
            if isinstance(convert, ListOf)
            else checked(convert, column)
        )
    metadata = {"convert": convert, "column": column, "required": required}
    if required:
        return dataclasses.field(metadata=metadata)
    if callable(default):
        return dataclasses.field(default_factory=default, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@dataclass(kw_only=True)
class Record:
    """A mapping of the file. `model`: the model a record is a row of (its columns are
    that model's fields and its constraints are checked); `write_all`: the writer
    writes empty keys too; `short_key`: a bare value stands for {short_key: value}."""

    model: ClassVar[type[models.Model] | None] = None
    write_all: ClassVar[bool] = False
    short_key: ClassVar[str | None] = None


def record(cls: type[Record]) -> Callable:
    def convert(reader, value, path, line):
        return reader.record(value, path, cls, line)

    return convert


# The people beside a name: one class per place, with what the book prints there.


@dataclass(kw_only=True)
class PersonRef(Record):
    person: str = entry(one_line, column=Person.key, required=True)
    short_key = "person"


@dataclass(kw_only=True)
class CommitteeRef(PersonRef):
    title: str = entry(one_line, column=CommitteeMembership.title)
    title_en: str = entry(one_line, column=CommitteeMembership.title_en)
    affiliation: str = entry(one_line, column=CommitteeMembership.affiliation)
    model = CommitteeMembership


@dataclass(kw_only=True)
class HostRef(PersonRef):
    affiliation: str = entry(one_line, column=ItemHost.affiliation)
    model = ItemHost


@dataclass(kw_only=True)
class ChairRef(PersonRef):
    affiliation: str = entry(one_line, column=SessionChair.affiliation)
    online: bool = entry(boolean, column=SessionChair.online, default=False)
    model = SessionChair


@dataclass(kw_only=True)
class SpeakerRef(PersonRef):
    affiliation: str = entry(one_line, column=TalkSpeaker.affiliation)
    bio: str = entry(text, column=TalkSpeaker.bio)
    model = TalkSpeaker


@dataclass(kw_only=True)
class HotelData(Record):
    name: str = entry(one_line, column=Conference.hotel_name)
    website: str = entry(one_line, column=Conference.hotel_website)
    phone: str = entry(one_line, column=Conference.hotel_phone)
    model = Conference
    write_all = True


@dataclass(kw_only=True)
class ConferenceData(Record):
    name_zh: str = entry(one_line, column=Conference.name_zh, required=True)
    name_en: str = entry(one_line, column=Conference.name_en)
    short_name: str = entry(one_line, column=Conference.short_name)
    start_date: dt.date = entry(date_value, column=Conference.start_date, required=True)
    end_date: dt.date = entry(date_value, column=Conference.end_date, required=True)
    registration_date: dt.date | None = entry(
        date_value, column=Conference.registration_date, default=None
    )
    registration_times: str = entry(one_line, column=Conference.registration_times)
    registration_times_en: str = entry(one_line, column=Conference.registration_times_en)
    venue: str = entry(one_line, column=Conference.venue)
    venue_en: str = entry(one_line, column=Conference.venue_en)
    address: str = entry(one_line, column=Conference.address)
    address_en: str = entry(one_line, column=Conference.address_en)
    website: str = entry(one_line, column=Conference.website)
    livestream: str = entry(one_line, column=Conference.livestream)
    hotel: HotelData = entry(record(HotelData), default=HotelData)
    intro_zh: str = entry(text, column=Conference.intro_zh)
    intro_en: str = entry(text, column=Conference.intro_en)
    published: bool = entry(boolean, column=Conference.published, default=False)
    model = Conference
    write_all = True


@dataclass(kw_only=True)
class ContactData(Record):
    name: str = entry(one_line, column=Contact.name, required=True)
    email: str = entry(one_line, column=Contact.email)
    phone: str = entry(one_line, column=Contact.phone)
    role: str = entry(one_line, column=Contact.role)
    role_en: str = entry(one_line, column=Contact.role_en)
    model = Contact


@dataclass(kw_only=True)
class OrganisationData(Record):
    """A host or co-host: its name as printed, or {name, name_en}."""

    name: str = entry(one_line, column=Organisation.name, required=True)
    name_en: str = entry(one_line, column=Organisation.name_en)
    model = Organisation
    short_key = "name"


@dataclass(kw_only=True)
class RoomData(Record):
    """A room: its name as printed, or {name, name_en}."""

    name: str = entry(one_line, column=Room.name, required=True)
    name_en: str = entry(one_line, column=Room.name_en)
    model = Room
    short_key = "name"


@dataclass(kw_only=True)
class PersonData(Record):
    name: str = entry(one_line, column=Person.name, required=True)
    key: str = entry(one_line, column=Person.key)
    name_en: str = entry(one_line, column=Person.name_en)
    email: str = entry(one_line, column=Person.email)
    homepage: str = entry(one_line, column=Person.homepage)
    model = Person

    @property
    def person_key(self) -> str:
        return self.key or self.name


@dataclass(kw_only=True)
class TrackData(Record):
    code: str = entry(one_line, column=Track.code, required=True)
    name_zh: str = entry(one_line, column=Track.name_zh, required=True)
    name_en: str = entry(one_line, column=Track.name_en)
    contacts: list[str] = entry(ListOf(one_line), column=Contact.name, default=list)
    model = Track


@dataclass(kw_only=True)
class TalkData(Record):
    code: str = entry(one_line, column=Talk.code, required=True)
    title: str = entry(one_line, column=Talk.title, required=True)
    speakers: list[SpeakerRef] = entry(ListOf(record(SpeakerRef)), default=list)
    online: bool = entry(boolean, column=Talk.online, default=False)
    start: dt.time | None = entry(time_value, column=Talk.start, default=None)
    end: dt.time | None = entry(time_value, column=Talk.end, default=None)
    abstract: str = entry(text, column=Talk.abstract)
    model = Talk


@dataclass(kw_only=True)
class ItemData(Record):
    kind: str = entry(one_line, column=ProgrammeItem.kind, required=True)
    date: dt.date = entry(date_value, column=ProgrammeItem.date, required=True)
    start: dt.time = entry(time_value, column=ProgrammeItem.start, required=True)
    end: dt.time = entry(time_value, column=ProgrammeItem.end, required=True)
    title: str = entry(one_line, column=ProgrammeItem.title, required=True)
    title_en: str = entry(one_line, column=ProgrammeItem.title_en)
    room: str = entry(one_line, column=Room.name)
    description: str = entry(one_line, column=ProgrammeItem.description)
    description_en: str = entry(one_line, column=ProgrammeItem.description_en)
    hosts: list[HostRef] = entry(ListOf(record(HostRef)), default=list)
    talk: TalkData | None = entry(record(TalkData), default=None)
    model = ProgrammeItem

    @property
    def key(self):
        return (self.date, self.start, self.kind, self.title)


@dataclass(kw_only=True)
class SessionData(Record):
    code: str = entry(one_line, column=Session.code, required=True)
    track: str = entry(one_line, column=Track.code, required=True)
    topic: str = entry(one_line, column=Session.topic, required=True)
    date: dt.date = entry(date_value, column=Session.date, required=True)
    start: dt.time = entry(time_value, column=Session.start, required=True)
    end: dt.time = entry(time_value, column=Session.end, required=True)
    room: str = entry(one_line, column=Room.name)
    meeting: str = entry(one_line, column=Session.meeting)
    chairs: list[ChairRef] = entry(ListOf(record(ChairRef)), default=list)
    talks: list[TalkData] = entry(ListOf(record(TalkData)), default=list)
    model = Session


@dataclass(kw_only=True)
class ProgrammeData(Record):
    """A whole file: one year."""

    year: int = entry(year_value, column=Conference.year, required=True)
    notes: list[str] = entry(ListOf(text), default=list)
    conference: ConferenceData = entry(record(ConferenceData), required=True)
    hosts: list[OrganisationData] = entry(ListOf(record(OrganisationData)), default=list)
    co_hosts: list[OrganisationData] = entry(ListOf(record(OrganisationData)), default=list)
    contacts: list[ContactData] = entry(ListOf(record(ContactData)), default=list)
    people: list[PersonData] = entry(ListOf(record(PersonData)), default=list)
    committees: dict[str, list[CommitteeRef]] = entry(
        ListsByChoice(CommitteeMembership.role, record(CommitteeRef)), default=dict
    )
    rooms: list[RoomData] = entry(ListOf(record(RoomData)), default=list)
    tracks: list[TrackData] = entry(ListOf(record(TrackData)), default=list)
    programme: list[ItemData] = entry(ListOf(record(ItemData)), default=list)
    sessions: list[SessionData] = entry(ListOf(record(SessionData)), default=list)
    write_all = True

    def talks(self) -> list[TalkData]:
        invited = [item.talk for item in self.programme if item.talk]
        return invited + [talk for session in self.sessions for talk in session.talks]

    def person_refs(self) -> list[PersonRef]:
        refs = [ref for refs in self.committees.values() for ref in refs]
        refs += [ref for item in self.programme for ref in item.hosts]
        refs += [ref for session in self.sessions for ref in session.chairs]
        refs += [ref for talk in self.talks() for ref in talk.speakers]
        return refs


def stored_fields(cls: type[Record]):
    """(schema field, model field) for the keys stored in a column of `cls.model`."""
    for schema_field in dataclasses.fields(cls):
        column = schema_field.metadata["column"]
        if column is not None and cls.model is not None and column.field.model is cls.model:
            yield schema_field, column.field


def model_values(data: Record, *, exclude=()) -> dict:
    """{model field name: value} of what `data` stores in its own model's row."""
    return {
        model_field.name: getattr(data, schema_field.name)
        for schema_field, model_field in stored_fields(type(data))
        if schema_field.name not in exclude
    }


def from_row(cls: type[Record], row: models.Model, **given) -> Record:
    """The record of `row`: its stored keys read from the row, the others `given`."""
    values = {
        schema_field.name: getattr(row, model_field.attname)
        for schema_field, model_field in stored_fields(cls)
        if schema_field.name not in given
    }
    return cls(**values, **given)


EMPTY = ("", None, False, [], {})


def document(data: Record) -> dict | str:
    """`data` as the file writes it: keys in schema order; empty optional values and
    false flags left out (as a person writing the file would) unless `write_all`; a
    record holding only its `short_key` written as that bare value."""
    values = {}
    for schema_field in dataclasses.fields(data):
        value = as_document(getattr(data, schema_field.name))
        if data.write_all or value not in EMPTY:
            values[schema_field.name] = value
    if data.short_key and list(values) == [data.short_key]:
        return values[data.short_key]
    return values


def as_document(value):
    if isinstance(value, Record):
        return document(value)
    if isinstance(value, list):
        return [as_document(element) for element in value]
    if isinstance(value, dict):
        return {key: as_document(element) for key, element in value.items()}
    return value
