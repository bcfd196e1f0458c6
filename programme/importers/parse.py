"""Fixture file -> ProgrammeData, checking everything before anything is written.

`parse_programme(text, file)` returns the data and the list of every problem found, each
with the file, line and path (`sessions[12].talks[3].title`). The format is declared in
schema.py and described in fixtures/README.md. The rules on values are the models' own
(field validators, constraints, Conference.validate_day), asked of unsaved instances:
checking a constraint reads the database, nothing here writes to it.
"""

import dataclasses

import yaml
from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint
from django.utils import translation

from programme.importers.schema import (
    Invalid,
    PersonRef,
    ProgrammeData,
    Record,
    describe,
    join,
    model_values,
)
from programme.importers.yaml_source import (
    DuplicateKeyError,
    LocatedDict,
    SourceError,
    read_yaml,
)
from programme.models import Conference, Person, ProgrammeItem


class Reader:
    """Reads located YAML values into records, collecting errors instead of stopping at
    the first."""

    def __init__(self, file: str):
        self.file = file
        self.errors: list[SourceError] = []

    def error(self, line: int, path: str, message: str):
        self.errors.append(SourceError(self.file, line, path, message))

    def record(self, node, path: str, cls: type[Record], line: int) -> Record | None:
        """Check `node` is a mapping with only the keys of `cls`; read each value, then
        check the model's constraints on the keys present. Returns the record, or None
        when a required key is missing or unreadable."""
        if cls.short_key and isinstance(node, str):
            node = {cls.short_key: node}
        if not isinstance(node, dict):
            self.error(line, path, f"expected a mapping, found {describe(node)}")
            return None
        schema_fields = dataclasses.fields(cls)
        node_line = getattr(node, "line", line)
        key_lines = getattr(node, "key_lines", {})
        names = [schema_field.name for schema_field in schema_fields]
        for key in node:
            if key not in names:
                self.error(
                    key_lines.get(key, node_line),
                    join(path, str(key)),
                    f"unknown key (expected one of: {', '.join(names)})",
                )
        values, present, ok = {}, set(), True
        for schema_field in schema_fields:
            key = schema_field.name
            convert, required = schema_field.metadata["convert"], schema_field.metadata["required"]
            if node.get(key) is None:
                if required:
                    self.error(node_line, join(path, key), "missing")
                    ok = False
                continue
            key_line = key_lines.get(key, node_line)
            try:
                values[key] = convert(self, node[key], join(path, key), key_line)
            except Invalid as exc:
                self.error(key_line, join(path, key), str(exc))
                ok = ok and not required
                continue
            if values[key] is None and required:
                ok = False  # a required record that could not be read; its errors are out
            present.add(key)
        if not ok:
            return None
        data = cls(**values)
        self.check_constraints(data, present, path, node_line)
        return data

    def check_constraints(self, data: Record, present: set, path: str, line: int):
        """The model's check constraints over the keys given (a session ends after it
        starts), asked of an unsaved row. Each check is one small SELECT, so only the
        checks whose fields are all given run; the others wait for the row itself."""
        if data.model is None:
            return
        absent = {schema_field.name for schema_field in dataclasses.fields(data)} - present
        given = model_values(data, exclude=absent)
        checks = [
            constraint
            for constraint in data.model._meta.constraints
            if isinstance(constraint, CheckConstraint)
            and constraint.condition.referenced_base_fields <= set(given)
        ]
        if not checks:
            return
        row = data.model(**given)
        excluded = {model_field.name for model_field in data.model._meta.fields} - set(given)
        for constraint in checks:
            try:
                constraint.validate(data.model, row, exclude=excluded)
            except ValidationError as error:
                self.error(line, path, " ".join(error.messages))


def parse_programme(source: str, file: str) -> tuple[ProgrammeData | None, list[SourceError]]:
    """Parse and check one fixture file. Data is None when errors were found."""
    try:
        document = read_yaml(source)
    except DuplicateKeyError as exc:
        return None, [SourceError(file, exc.line, "", str(exc))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [SourceError(file, line, "", f"not valid YAML: {problem}")]
    reader = Reader(file)
    # The reader's own messages are English; the models' messages join them in English
    # rather than in the site's default language, so that a report reads as one.
    with translation.override("en"):
        data = reader.record(document, "", ProgrammeData, 1)
        if data is not None:
            check_consistency(data, document, reader)
    if reader.errors:
        return None, reader.errors
    return data, []


def check_consistency(data: ProgrammeData, document: LocatedDict, reader: Reader):
    """Rules that span records: unique codes and names, references to rooms, tracks,
    contacts and people, the days of the conference."""

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

    def error(path, message):
        reader.error(line_of(*path), format_path(path), message)

    def unique(values, what, path_of):
        seen = {}
        for index, value in enumerate(values):
            if value in seen:
                first = format_path(path_of(seen[value]))
                error(path_of(index), f"duplicate {what} {value!r} (first at {first})")
            else:
                seen[value] = index

    unique([r.name for r in data.rooms], "room", lambda i: ("rooms", i))
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

    people_keys = [person.person_key for person in data.people]
    unique(people_keys, "person key", lambda i: ("people", i))
    homonyms = {person.name for person in data.people if person.person_key != person.name}
    declared = set(people_keys)

    def check_ref(ref: PersonRef, path):
        if ref.person in declared:
            return
        if Person.name_from_key(ref.person) != ref.person:
            error(path, f"person key {ref.person!r} is not declared in people")
        elif ref.person in homonyms:
            error(path, f"{ref.person!r} names several people; use one of their keys from people")

    def check_refs(refs, path):
        unique([ref.person for ref in refs], "person", lambda j: (*path, j))
        for j, ref in enumerate(refs):
            check_ref(ref, (*path, j))

    rooms, tracks, contacts = (
        {r.name for r in data.rooms},
        {t.code for t in data.tracks},
        {c.name for c in data.contacts},
    )

    def check_room(room, path):
        if room and room not in rooms:
            error(path, f"room {room!r} is not in rooms")

    # The conference as the file has it, never saved: the one home of "a day of it".
    conference = Conference(year=data.year, **model_values(data.conference))

    def check_day(date, path, registration=False):
        try:
            conference.validate_day(date, registration=registration)
        except ValidationError as exc:
            error(path, " ".join(exc.messages))

    for i, track in enumerate(data.tracks):
        for name in track.contacts:
            if name not in contacts:
                error(("tracks", i, "contacts"), f"contact {name!r} not in contacts")
    for role, refs in data.committees.items():
        check_refs(refs, ("committees", role))
    for i, item in enumerate(data.programme):
        path = ("programme", i)
        check_day(item.date, (*path, "date"), item.kind == ProgrammeItem.Kind.REGISTRATION)
        check_room(item.room, (*path, "room"))
        check_refs(item.hosts, (*path, "hosts"))
        if item.talk:
            check_refs(item.talk.speakers, (*path, "talk", "speakers"))
        elif item.kind == ProgrammeItem.Kind.INVITED_TALK:
            error(path, f"an {ProgrammeItem.Kind.INVITED_TALK} row needs a talk")
    for i, session in enumerate(data.sessions):
        path = ("sessions", i)
        if session.track not in tracks:
            error((*path, "track"), f"track {session.track!r} is not in tracks")
        check_day(session.date, (*path, "date"))
        check_room(session.room, (*path, "room"))
        check_refs(session.chairs, (*path, "chairs"))
        for j, talk in enumerate(session.talks):
            check_refs(talk.speakers, (*path, "talks", j, "speakers"))


def format_path(steps) -> str:
    path = ""
    for step in steps:
        path = f"{path}[{step}]" if isinstance(step, int) else join(path, step)
    return path
