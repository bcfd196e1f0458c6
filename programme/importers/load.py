"""ProgrammeData -> database: upsert by natural key, delete what the file no longer holds.

`load_programme(data)` must run inside a transaction (the import command's entry point
opens one). Rows are compared field by field, so importing an unchanged file writes
nothing and reports everything as unchanged.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import models
from django.utils import translation

from programme.identity import name_uuid
from programme.importers.schema import PersonRef, ProgrammeData, TalkData, model_values
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


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)

    def total(self, counter: str) -> int:
        return sum(getattr(self, counter).values())

    def __str__(self):
        return (
            f"{self.total('created')} created, {self.total('updated')} updated, "
            f"{self.total('deleted')} deleted, {self.total('unchanged')} unchanged"
        )

    def merge(self, other: "LoadReport"):
        for name in ("created", "updated", "deleted", "unchanged"):
            getattr(self, name).update(getattr(other, name))


class Sync:
    """Makes the rows of one model under one parent equal to a desired set.

    `existing` are the current rows, `key` gives each row's natural key; `apply(key,
    values)` creates or updates; `delete_missing()` removes rows not applied. Deletion is
    a separate step so that a talk can move to a new programme item before the old item
    (whose deletion would cascade to the talk) goes.
    """

    def __init__(self, model, existing, key, report: LoadReport):
        self.model = model
        self.rows = {key(row): row for row in existing}
        self.seen = set()
        self.report = report
        # Reports are counted by English plural ("talks"), whatever language is active.
        with translation.override("en"):
            self.label = str(model._meta.verbose_name_plural)

    def apply(self, key, values: dict) -> models.Model:
        self.seen.add(key)
        row = self.rows.get(key)
        if row is None:
            row = self.model(**values)
            row.save()
            self.rows[key] = row
            self.report.created[self.label] += 1
            return row
        changed = [name for name, value in values.items() if field_value(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, values[name])
            row.save(update_fields=[self.model._meta.get_field(n).attname for n in changed])
            self.report.updated[self.label] += 1
        else:
            self.report.unchanged[self.label] += 1
        return row

    def delete_missing(self):
        stale = [row.pk for key, row in self.rows.items() if key not in self.seen]
        if stale:
            self.model.objects.filter(pk__in=stale).delete()
            self.report.deleted[self.label] += len(stale)


def field_value(row, name):
    """Compare foreign keys by id, so that no related row is fetched."""
    model_field = row._meta.get_field(name)
    if model_field.is_relation:
        return getattr(row, model_field.attname)
    return getattr(row, name)


class PeopleIndex:
    """Finds or creates the Person behind every reference, across all years."""

    def __init__(self, data: ProgrammeData, report: LoadReport):
        self.report = report
        self.declared = {person.person_key: person for person in data.people}
        keys = {ref.person for ref in data.person_refs()} | set(self.declared)
        self.people = {person.key: person for person in Person.objects.filter(key__in=keys)}

    def sync_declared(self):
        for key, declared in self.declared.items():
            person = self.get(key)
            values = model_values(declared, exclude={"key"})
            changed = [name for name, value in values.items() if getattr(person, name) != value]
            if changed:
                for name in changed:
                    setattr(person, name, values[name])
                person.save(update_fields=changed)
                self.report.updated["people"] += 1

    def get(self, key: str) -> Person:
        person = self.people.get(key)
        if person is None:
            declared = self.declared.get(key)
            person = Person.objects.for_key(key, name=declared.name if declared else "")
            self.people[key] = person
            self.report.created["people"] += 1
        return person


def load_programme(data: ProgrammeData) -> LoadReport:
    report = LoadReport()
    conference = load_conference(data, report)
    people = PeopleIndex(data, report)
    people.sync_declared()

    organisations = Sync(
        Organisation,
        conference.organisations.all(),
        lambda row: (row.role, row.name),
        report,
    )
    for role, listed in (("host", data.hosts), ("co_host", data.co_hosts)):
        for position, organisation in enumerate(listed):
            organisations.apply(
                (role, organisation.name),
                {
                    "conference_id": conference.pk,
                    "role": role,
                    **model_values(organisation),
                    "position": position,
                },
            )

    contacts = Sync(Contact, conference.contacts.all(), lambda row: row.name, report)
    for position, contact in enumerate(data.contacts):
        contacts.apply(
            contact.name,
            {"conference_id": conference.pk, **model_values(contact), "position": position},
        )

    rooms = Sync(Room, conference.rooms.all(), lambda row: row.name, report)
    for position, room in enumerate(data.rooms):
        rooms.apply(
            room.name, {"conference_id": conference.pk, **model_values(room), "position": position}
        )
    room_id = {room.name: rooms.rows[room.name].pk for room in data.rooms}

    tracks = Sync(Track, conference.tracks.prefetch_related("contacts"), lambda r: r.code, report)
    for position, track in enumerate(data.tracks):
        row = tracks.apply(
            track.code,
            {"conference_id": conference.pk, **model_values(track), "position": position},
        )
        wanted = {contacts.rows[name].pk for name in track.contacts}
        if {contact.pk for contact in row.contacts.all()} != wanted:
            row.contacts.set(wanted)

    committee = Sync(
        CommitteeMembership,
        conference.committee.all(),
        lambda row: (row.role, row.person_id),
        report,
    )
    for role, refs in data.committees.items():
        for position, ref in enumerate(refs):
            person = people.get(ref.person)
            committee.apply(
                (role, person.pk),
                {
                    "conference_id": conference.pk,
                    "role": role,
                    "person_id": person.pk,
                    "position": position,
                    **model_values(ref),
                },
            )

    talks = Sync(Talk, conference.talks.all(), lambda row: row.code, report)
    speakers = Sync(
        TalkSpeaker,
        TalkSpeaker.objects.filter(talk__conference=conference),
        lambda row: (row.talk_id, row.person_id),
        report,
    )

    def load_talk(talk: TalkData, position: int, **parent):
        row = talks.apply(
            talk.code,
            {
                "conference_id": conference.pk,
                "session_id": None,
                "item_id": None,
                **parent,
                "position": position,
                **model_values(talk),
            }
            | (
                {}
                if talk.code in talks.rows
                else {"guid": name_uuid(data.year, "talks", talk.code)}
            ),
        )
        load_appearances(speakers, people, talk.speakers, {"talk_id": row.pk})

    items = Sync(
        ProgrammeItem,
        conference.programme_items.all(),
        lambda row: (row.date, row.start, row.kind, row.title),
        report,
    )
    hosts = Sync(
        ItemHost,
        ItemHost.objects.filter(item__conference=conference),
        lambda row: (row.item_id, row.person_id),
        report,
    )
    for item in data.programme:
        row = items.apply(
            item.key,
            {
                "conference_id": conference.pk,
                **model_values(item),
                "room_id": room_id.get(item.room),
            },
        )
        load_appearances(hosts, people, item.hosts, {"item_id": row.pk})
        if item.talk:
            load_talk(item.talk, 0, item_id=row.pk)

    sessions = Sync(Session, conference.sessions.all(), lambda row: row.code, report)
    chairs = Sync(
        SessionChair,
        SessionChair.objects.filter(session__conference=conference),
        lambda row: (row.session_id, row.person_id),
        report,
    )
    track_id = {code: row.pk for code, row in tracks.rows.items()}
    for session in data.sessions:
        row = sessions.apply(
            session.code,
            {
                "conference_id": conference.pk,
                "track_id": track_id[session.track],
                **model_values(session),
                "room_id": room_id.get(session.room),
            },
        )
        load_appearances(chairs, people, session.chairs, {"session_id": row.pk})
        for position, talk in enumerate(session.talks, start=1):
            load_talk(talk, position, session_id=row.pk)

    # Children first, so that nothing protected or still referenced is deleted.
    for sync in (speakers, chairs, hosts, talks, sessions, items, committee):
        sync.delete_missing()
    for sync in (tracks, rooms, contacts, organisations):
        sync.delete_missing()
    return report


def load_appearances(sync: Sync, people: PeopleIndex, refs: list[PersonRef], parent):
    ((parent_field, parent_id),) = parent.items()
    for position, ref in enumerate(refs):
        person = people.get(ref.person)
        sync.apply(
            (parent_id, person.pk),
            {
                parent_field: parent_id,
                "person_id": person.pk,
                "position": position,
                **model_values(ref),
            },
        )


def load_conference(data: ProgrammeData, report: LoadReport) -> Conference:
    source = data.conference
    values = {
        "year": data.year,
        **model_values(source),
        **model_values(source.hotel),
        "notes": data.notes,
    }
    sync = Sync(Conference, Conference.objects.filter(year=data.year), lambda r: r.year, report)
    return sync.apply(data.year, values)
