"""Cells a person reads and types, as import-export widgets.

Each widget subclasses import-export's own for its kind of value and changes only what a
person typing in Excel or WPS needs: padding spaces and `2025.0` are forgiven, dates and
times also arrive as date cells, yes/no is `是`/`否`. Exports are always text (dates as
`2025-08-09`, times as `13:30`), so that a file reads the same in every program and
XLSX cells are never formulae (formats.py).

Whether a cell may be empty is the model's rule (`blank`, `null`): an empty cell
becomes "" or None here and the model says if that will not do.

Rooms, tracks and sessions are looked up in the row's year only, through the import's
Directory (directory.py), which reads each year once per import.
"""

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import widgets

from programme.models import CommitteeMembership, Conference

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")
TIME_FORMATS = ("%H:%M", "%H:%M:%S")


def cell_text(value) -> str:
    """A cell as text: spreadsheets turn 2025 into 2025.0 and keep padding spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return cell_text(value)


class PositionWidget(widgets.IntegerWidget):
    """An order: 0, 1, 2..."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text.isdigit():
            raise ValueError(
                _("Write 0 or a positive whole number, not “%(value)s”.") % {"value": text}
                if text
                else _("Required.")
            )
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "1", "yes", "y", "true", "√", "✓", "x"]
    FALSE_VALUES = ["否", "", "0", "no", "n", "false"]

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value).lower()
        if text in self.TRUE_VALUES:
            return True
        if text in self.FALSE_VALUES:
            return False
        raise ValueError(_("Write 是 or 否, not “%(value)s”.") % {"value": cell_text(value)})

    def render(self, value, obj=None, **kwargs):
        return self.TRUE_VALUES[0] if value else self.FALSE_VALUES[0]


class DateWidget(widgets.DateWidget):
    def __init__(self):
        super().__init__(coerce_to_string=True)
        self.formats = DATE_FORMATS

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):  # Excel turns typed dates into date cells
            return value.date()
        if not isinstance(value, dt.date):
            value = cell_text(value)
        try:
            return super().clean(value)
        except ValueError:
            raise ValueError(
                _("Write dates as 2025-08-09, not “%(value)s”.") % {"value": cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class TimeWidget(widgets.TimeWidget):
    def __init__(self):
        super().__init__(coerce_to_string=True)
        self.formats = TIME_FORMATS

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.time()
        if not isinstance(value, dt.time):
            value = cell_text(value).replace("：", ":")
        try:
            return super().clean(value)
        except ValueError:
            raise ValueError(
                _("Write times as 13:30, not “%(value)s”.") % {"value": cell_text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%H:%M") if value else ""


class ConferenceWidget(widgets.ForeignKeyWidget):
    """A year, as `2025`."""

    def __init__(self):
        super().__init__(Conference, field="year")

    def clean(self, value, row=None, directory=None, **kwargs):
        return directory.conference(value)

    def render(self, value, obj=None, **kwargs):
        return str(value.year) if value else ""


class OfYearWidget(widgets.ForeignKeyWidget):
    """A room, track or session of the row's year, by what staff read in the cell (the
    related object's `field`); empty for none. `choices(directory, conference)` gives
    {cell text: object} for one year."""

    unknown = ""

    def choices(self, directory, conference) -> dict:
        raise NotImplementedError

    def clean(self, value, row=None, directory=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        conference = directory.conference_of(row)
        choices = self.choices(directory, conference)
        if text not in choices:
            known = "、".join(dict.fromkeys(self.render(choice) for choice in choices.values()))
            raise ValueError(
                self.unknown % {"year": conference.year, "value": text, "known": known or "—"}
            )
        return choices[text]

    def render(self, value, obj=None, **kwargs):
        return getattr(value, self.field) if value else ""


class RoomWidget(OfYearWidget):
    unknown = gettext_lazy("%(year)s has no room “%(value)s” (it has: %(known)s).")

    def __init__(self):
        super().__init__(model=None, field="name")

    def choices(self, directory, conference):
        return directory.rooms(conference)


class TrackWidget(OfYearWidget):
    """A track by its Chinese name (as exported) or its code."""

    unknown = gettext_lazy("%(year)s has no track “%(value)s” (it has: %(known)s).")

    def __init__(self):
        super().__init__(model=None, field="name_zh")

    def choices(self, directory, conference):
        return directory.tracks(conference)


class SessionWidget(OfYearWidget):
    # Without the list of known ones: a year has dozens of sessions.
    unknown = gettext_lazy("%(year)s has no session “%(value)s”.")

    def __init__(self):
        super().__init__(model=None, field="code")

    def choices(self, directory, conference):
        return directory.sessions(conference)


class RoleWidget(widgets.Widget):
    """A committee role by its label in the active language (as exported) or its code."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        for code, label in CommitteeMembership.Role.choices:
            if text in (code, str(label)):
                return code
        known = "、".join(str(label) for _code, label in CommitteeMembership.Role.choices)
        if not text:
            raise ValueError(_("Required."))
        raise ValueError(
            _("There is no role “%(value)s” (choose: %(known)s).") % {"value": text, "known": known}
        )

    def render(self, value, obj=None, **kwargs):
        return str(CommitteeMembership.Role(value).label) if value else ""
