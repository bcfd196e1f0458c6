"""People cells: the ordered chairs of a session or speakers of a talk in one cell.

    张三（北京大学）、李四（香港中文大学（深圳））、罗涛（线上）、林伟 (北京大学)

People are separated by `、` (outside brackets: an affiliation may hold one); each is a
person's key, then optionally the affiliation printed that year in brackets
(programme.text.split_trailing_brackets, the one bracket parser), then for chairs
optionally `（线上）` for online attendance. A cell that is exactly a person's key is
that person without an affiliation, so a homonym's key such as `林伟 (北京大学)` needs
no affiliation after it. A name that is no key but belongs to exactly one person means
that person; a name several people share is an error (write the key); a name nobody
has is someone new, created when the row is saved (Person.objects.for_key). A speaker's
bio as printed is kept while the speaker stays on the talk.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields, widgets

from programme.models import Person
from programme.spreadsheets.cells import cell_text
from programme.text import CLOSING_BRACKETS, OPENING_BRACKETS, split_trailing_brackets

SEPARATOR = "、"
ONLINE = "线上"
ONLINE_MARK = re.compile(r"\s*[（(]\s*线上\s*[)）]$")


@dataclass(frozen=True)
class PersonEntry:
    """One person of a people cell; `person` is None for someone new, named `key`."""

    key: str
    affiliation: str = ""
    online: bool = False
    person: Person | None = None

    def render(self) -> str:
        text = self.key
        if self.affiliation:
            text += f"（{self.affiliation}）"
        if self.online:
            text += f"（{ONLINE}）"
        return text


def split_people(text: str) -> list[str]:
    """Split at 、 outside brackets: an affiliation may hold a 、 in brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in OPENING_BRACKETS:
            depth += 1
        elif char in CLOSING_BRACKETS:
            depth -= 1
        if char == SEPARATOR and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def parse_people(text: str, directory, *, online_allowed: bool) -> list[PersonEntry]:
    entries = []
    for part in split_people(text):
        online = bool(ONLINE_MARK.search(part))
        if online and not online_allowed:
            raise ValueError(
                _("“%(part)s”: write online attendance in the 线上 column.") % {"part": part}
            )
        part = ONLINE_MARK.sub("", part)
        if directory.person_with_key(part):
            name, affiliation = part, ""
        else:
            name, affiliation = split_trailing_brackets(part)
        if not name:
            raise ValueError(_("“%(part)s” has no name.") % {"part": part})
        person = directory.find_person(name)
        entries.append(PersonEntry(person.key if person else name, affiliation, online, person))
    keys = [entry.key for entry in entries]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(_("“%(names)s” written twice.") % {"names": SEPARATOR.join(repeated)})
    return entries


class PeopleWidget(widgets.Widget):
    def __init__(self, online_allowed: bool):
        super().__init__()
        self.online_allowed = online_allowed

    def clean(self, value, row=None, directory=None, **kwargs):
        return parse_people(cell_text(value), directory, online_allowed=self.online_allowed)

    def render(self, value, obj=None, **kwargs):
        return SEPARATOR.join(entry.render() for entry in value or ())


class PersonWidget(widgets.ForeignKeyWidget):
    """One person by key or unique name; someone new (unsaved until the row is saved)
    is created then by Person.objects.for_key."""

    def __init__(self):
        super().__init__(Person, field="key")

    def clean(self, value, row=None, directory=None, **kwargs):
        name = cell_text(value)
        if not name:
            return None
        return directory.find_person(name) or Person(key=name)

    def render(self, value, obj=None, **kwargs):
        return value.key if value else ""


class PeopleField(fields.Field):
    """The ordered appearances of a session or talk (chairs, speakers) as one cell.

    On import the parsed entries wait on the instance until it is saved, so that the
    preview compares and shows them; `save_people()` then makes the rows match.
    Read through `prefetch()` (a list attribute, which survives the copy import-export
    makes of each row's original, where a prefetched queryset would be read again).
    """

    def __init__(self, *, related_name, model, parent_field, online, **kwargs):
        super().__init__(widget=PeopleWidget(online_allowed=online), **kwargs)
        self.related_name = related_name
        self.model = model
        self.parent_field = parent_field
        self.online = online

    @property
    def pending(self) -> str:
        return f"_pending_{self.related_name}"

    @property
    def prefetched(self) -> str:
        return f"{self.related_name}_in_order"

    def prefetch(self) -> Prefetch:
        rows = self.model.objects.select_related("person").order_by("position")
        return Prefetch(self.related_name, rows, to_attr=self.prefetched)

    def get_value(self, instance):
        if hasattr(instance, self.pending):
            return getattr(instance, self.pending)
        if instance is None or instance.pk is None:  # None: the preview of a deletion
            return []
        rows = getattr(instance, self.prefetched, None)
        if rows is None:
            rows = getattr(instance, self.related_name).select_related("person")
            rows = rows.order_by("position")
        return [
            PersonEntry(row.person.key, row.affiliation, getattr(row, "online", False))
            for row in rows
        ]

    def save(self, instance, row, is_m2m=False, **kwargs):
        entries = self.clean(row, **kwargs)
        for entry in entries:
            self.check(entry)
        setattr(instance, self.pending, entries)

    def check(self, entry: PersonEntry):
        """The models' own checks of what the cell gives each person (the key of someone
        new, the affiliation as printed), reported in this cell as a ValueError: the
        rows are written only after the row was validated."""
        try:
            if entry.person is None:
                Person(key=entry.key, name=Person.name_from_key(entry.key)).clean_fields(
                    exclude={"slug"}
                )
            self.model(affiliation=entry.affiliation).clean_fields(
                exclude={name.name for name in self.model._meta.fields} - {"affiliation"}
            )
        except ValidationError as error:
            problems = " ".join(m for messages in error.message_dict.values() for m in messages)
            raise ValueError(f"“{entry.render()}”: {problems}") from None

    def save_people(self, instance, directory):
        if not hasattr(instance, self.pending):
            return
        current = {row.person_id: row for row in getattr(instance, self.related_name).all()}
        kept = []
        for position, entry in enumerate(getattr(instance, self.pending)):
            person = entry.person or directory.person_for_key(entry.key)
            values = {"position": position, "affiliation": entry.affiliation}
            if self.online:
                values["online"] = entry.online
            row = current.get(person.pk)
            if row is None:
                self.model.objects.create(**{self.parent_field: instance}, person=person, **values)
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.save(update_fields=list(values))
            kept.append(person.pk)
        stale = [row.pk for person_id, row in current.items() if person_id not in kept]
        self.model.objects.filter(pk__in=stale).delete()
        delattr(instance, self.pending)
