"""Database -> the yearly fixture file (fixtures/README.md), the backup format.

`export_programme(year)` writes what `import_programme` reads: importing its output
changes nothing.
"""

import datetime as dt

import yaml
from django.db.models import Prefetch

from programme import queries
from programme.models import CommitteeMembership, Conference, Person, Talk


class FixtureDumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, times as "HH:MM", keys in the order given."""


def _represent_str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_time(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", f"{value:%H:%M}", style='"')


FixtureDumper.add_representer(str, _represent_str)
FixtureDumper.add_representer(dt.time, _represent_time)


def export_programme(year: int) -> str:
    """The fixture of `year` as YAML text; raises Conference.DoesNotExist."""
    conference = Conference.objects.get(year=year)
    document = {
        "year": conference.year,
        "notes": list(conference.notes),
        "conference": {
            "name_zh": conference.name_zh,
            "name_en": conference.name_en,
            "short_name": conference.short_name,
            "start_date": conference.start_date,
            "end_date": conference.end_date,
            "registration_date": conference.registration_date,
            "registration_times": conference.registration_times,
            "venue": conference.venue,
            "address": conference.address,
            "website": conference.website,
            "livestream": conference.livestream,
            "hotel": {
                "name": conference.hotel_name,
                "website": conference.hotel_website,
                "phone": conference.hotel_phone,
            },
            "intro_zh": conference.intro_zh,
            "intro_en": conference.intro_en,
            "published": conference.published,
        },
    }
    organisations = list(conference.organisations.order_by("position"))
    document["hosts"] = [o.name for o in organisations if o.role == "host"]
    document["co_hosts"] = [o.name for o in organisations if o.role == "co_host"]
    contacts = conference.contacts.order_by("position")
    document["contacts"] = [
        compact({"name": c.name, "email": c.email, "phone": c.phone, "role": c.role})
        for c in contacts
    ]
    document["people"] = [
        compact(
            {
                "name": p.name,
                "key": p.key if p.key != p.name else "",
                "name_en": p.name_en,
                "email": p.email,
                "homepage": p.homepage,
            }
        )
        for p in people_with_facts(conference)
    ]
    committee = conference.committee.select_related("person").order_by("position")
    document["committees"] = {
        role: [
            compact({"person": m.person.key, "title": m.title, "affiliation": m.affiliation})
            for m in committee
            if m.role == role
        ]
        for role in CommitteeMembership.Role.values
    }
    document["rooms"] = [room.name for room in conference.rooms.order_by("position")]
    tracks = conference.tracks.prefetch_related(
        Prefetch("contacts", conference.contacts.order_by("position"), to_attr="ordered")
    ).order_by("position")
    document["tracks"] = [
        compact(
            {
                "code": t.code,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "contacts": [c.name for c in t.ordered],
            }
        )
        for t in tracks
    ]
    programme = queries.programme_for_conference(conference)
    document["programme"] = [
        compact(
            {
                "kind": item.kind,
                "date": item.date,
                "start": item.start,
                "end": item.end,
                "title": item.title,
                "room": item.room.name if item.room else "",
                "description": item.description,
                "hosts": [appearance(h) for h in item.ordered_hosts],
                "talk": talk_document(item.talk_or_none) if item.talk_or_none else None,
            }
        )
        for item in programme.items
    ]
    document["sessions"] = [
        compact(
            {
                "code": s.code,
                "track": s.track.code,
                "topic": s.topic,
                "date": s.date,
                "start": s.start,
                "end": s.end,
                "room": s.room.name if s.room else "",
                "meeting": s.meeting,
                "chairs": [appearance(c, online=c.online) for c in s.ordered_chairs],
                "talks": [talk_document(t) for t in s.ordered_talks],
            }
        )
        for s in programme.sessions
    ]
    return yaml.dump(document, Dumper=FixtureDumper, allow_unicode=True, sort_keys=False, width=100)


def talk_document(talk: Talk) -> dict:
    return compact(
        {
            "code": talk.code,
            "title": talk.title,
            "speakers": [appearance(s, bio=s.bio) for s in talk.ordered_speakers],
            "online": talk.online,
            "start": talk.start,
            "end": talk.end,
            "abstract": talk.abstract,
        }
    )


def appearance(row, **extra) -> dict | str:
    values = compact({"person": row.person.key, "affiliation": row.affiliation, **extra})
    return values["person"] if len(values) == 1 else values


def compact(values: dict) -> dict:
    """Leave out empty optional values and false flags, as a person writing the file would."""
    return {k: v for k, v in values.items() if v not in ("", None, False, [], {})}


def people_with_facts(conference: Conference):
    """People of this year that need an entry: homonym keys or facts beyond the name."""
    appearing = (
        Person.objects.filter(talks__conference=conference)
        .union(
            Person.objects.filter(chaired_sessions__conference=conference),
            Person.objects.filter(hosted_items__conference=conference),
            Person.objects.filter(committeemembership__conference=conference),
        )
        .order_by("key")
    )
    return [p for p in appearing if p.key != p.name or p.name_en or p.email or p.homepage]
