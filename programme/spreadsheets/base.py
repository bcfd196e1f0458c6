"""The resource base: rows found by natural key, checked whole by the model, reported by
column, and nothing applied when one row is bad.

What it changes in import-export's workflow, and why:

- `before_import` makes the import's Directory (the years, rooms, tracks, sessions and
  people the cells name, read once) and notes rows repeating an earlier row's natural
  key; `get_instance` finds the existing rows among a year's rows read once with what
  their columns show (`with_related`), so an import reads the same few queries however
  long the sheet is.
- `import_instance` reports each bad cell under its column (a bad 年份 once, not in every
  column that needs the year), and passes the Directory to the widgets.
- `validate_instance` asks the model (`full_clean`: its validators, clean() and
  constraints) and files each of its errors under the column a person fixes: a field's
  error under that field's column; a constraint's error (which Django files for the
  whole row) under the last of its fields' columns, e.g. "ends after it starts" under
  结束. Cells that already failed are left out, so nothing is reported twice.
- `skip_row` calls a row unchanged when every column reads the same before and after.

Stale files. Every export carries, per row, the version of the record it was exported
from (column 导出时版本): a digest of what the row's columns read, so it changes
whenever anything a person sees in that row changes (a talk's speakers included, which
the talk's own history does not record) and on nothing else. On import, a row whose
record's version is no longer the file's is a *conflict* when the file would change it:
it is not applied (it reads as skipped, with `conflict` on its row result: the cells
the file and the database disagree on) unless staff chose it in the preview (its row
number in `apply_rows`). A file without the column, or a row with the cell empty (made
by hand), imports as before. Whatever is typed in the column changes nothing else.

Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.
"""

import hashlib

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, Model, UniqueConstraint
from django.utils.translation import gettext as _
from import_export import fields, resources

from programme.models import Conference
from programme.spreadsheets.cells import TextWidget, YesNoWidget, cell_text
from programme.spreadsheets.directory import YEAR, Directory, YearError
from programme.spreadsheets.people import PeopleField
from programme.spreadsheets.results import SpreadsheetResult, sheet_row

DELETE = "删除"
VERSION = "导出时版本"


def field(attribute, column, widget=None, **kwargs):
    return fields.Field(
        attribute=attribute, column_name=column, widget=widget or TextWidget(), **kwargs
    )


def constraint_fields(model) -> dict[str, tuple[str, ...]]:
    """{violation message: the fields the constraint reads} for a model's constraints."""
    found = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            names = tuple(constraint.fields)
        elif isinstance(constraint, CheckConstraint):
            names = tuple(constraint.condition.referenced_base_fields)
        else:
            continue
        found[str(constraint.get_violation_error_message())] = names
    return found


def unsaved_relation(instance, model_field) -> bool:
    """A person new in this file is saved only with its row: don't validate it before."""
    if not model_field.is_relation or not model_field.is_cached(instance):
        return False
    related = getattr(instance, model_field.name)
    return related is not None and related.pk is None


class NaturalKeyResource(resources.ModelResource):
    """Subclasses set `natural_key` (the column names whose cells identify a row), may
    set `filled_on_save` (model fields the model fills when saving, not validated
    before) and `with_related(queryset)` (what the columns read, fetched with the rows).
    """

    natural_key: tuple[str, ...] = ()
    filled_on_save: tuple[str, ...] = ()
    delete = fields.Field(column_name=DELETE, widget=TextWidget())
    version = fields.Field(column_name=VERSION, readonly=True)

    class Meta:
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def with_related(self, queryset):
        return queryset

    @classmethod
    def get_result_class(cls):
        return SpreadsheetResult

    def get_import_fields(self):
        """The columns a row sets: not the version, which is read only to find conflicts."""
        return [f for f in super().get_import_fields() if f.column_name != VERSION]

    # The version of a record, exported with each row ----------------------------------

    def version_of(self, instance) -> str:
        """A digest of what the row's columns read; "v" in front so that no program
        takes it for a number."""
        values = "\x1f".join(str(self.export_field(f, instance)) for f in self.get_import_fields())
        return "v" + hashlib.sha256(values.encode()).hexdigest()[:12]

    def dehydrate_version(self, instance):
        return self.version_of(instance)

    def changed_since_export(self, row, current) -> bool:
        exported = cell_text(row.get(VERSION))
        return bool(exported) and current.pk is not None and exported != self.version_of(current)

    def note_conflict(self, row, current, differing) -> bool:
        """Whether the row is a conflict staff did not choose; if so keep `differing`
        (the cells that differ: column, the file's value, the current value)."""
        if self.row_number in self.apply_rows or not self.changed_since_export(row, current):
            return False
        self.conflicts[self.row_number] = differing
        return True

    def differing(self, row, instance, current) -> list[tuple[str, str, str]]:
        cells = []
        for import_field in self.get_import_fields():
            if import_field.column_name in row:
                mine = self.export_field(import_field, instance)
                theirs = self.export_field(import_field, current)
                if mine != theirs:
                    cells.append((import_field.column_name, mine, theirs))
        return cells

    def import_data(self, dataset, *args, rollback_on_validation_errors=True, **kwargs):
        """Roll back on a bad row too: one bad row means nothing is applied."""
        return super().import_data(
            dataset, *args, rollback_on_validation_errors=rollback_on_validation_errors, **kwargs
        )

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self.apply_rows = {int(number) for number in kwargs.get("apply_rows") or ()}
        self.conflicts = {}
        self.directory = Directory()
        self.existing = {}
        self.duplicate_of = {}
        first_row = {}
        if not all(column in (dataset.headers or ()) for column in self.natural_key):
            return
        for number, row in enumerate(dataset.dict, 2):
            key = tuple(cell_text(row[column]) for column in self.natural_key)
            if all(key):
                self.duplicate_of[number] = first_row.setdefault(key, number)

    # Finding the row ----------------------------------------------------------------

    def id_fields(self):
        return [self.fields[name] for name in self.get_import_id_fields()]

    def get_instance(self, instance_loader, row):
        """The existing row with the row's natural key; None if new or the key is bad."""
        id_fields = self.id_fields()
        if any(id_field.column_name not in row for id_field in id_fields):
            return None
        try:
            key = [id_field.clean(row, directory=self.directory) for id_field in id_fields]
        except (ValueError, ValidationError):
            return None
        if any(isinstance(value, Model) and value.pk is None for value in key):
            return None  # someone new in this file: no existing row has them
        return self.existing_rows(key[0]).get(self.key_of(key))

    def existing_rows(self, first) -> dict:
        """{natural key: row} of the existing rows of one year (`first` is the row's
        conference), or of all rows when the key has no year (people); read once per
        import with what the columns show."""
        year = first if isinstance(first, Conference) else None
        scope = year.pk if year else None
        if scope not in self.existing:
            queryset = self.with_related(self.get_queryset())
            if year:
                queryset = queryset.filter(conference=year)
            self.existing[scope] = {
                self.key_of(getattr(row, f.attribute) for f in self.id_fields()): row
                for row in queryset
            }
        return self.existing[scope]

    @staticmethod
    def key_of(values) -> tuple:
        return tuple(value.pk if isinstance(value, Model) else value for value in values)

    def import_row(self, row, instance_loader, **kwargs):
        self.row_number = sheet_row(kwargs.get("row_number"))
        return super().import_row(row, instance_loader, **kwargs)

    def for_delete(self, row, instance):
        """Deleting a record changed since the export is a conflict: not deleted
        (the row then reads as unchanged or as the file's changes, also not applied)."""
        wanted = cell_text(row.get(DELETE)).lower() in YesNoWidget.TRUE_VALUES
        return wanted and not self.note_conflict(row, instance, [(DELETE, row[DELETE], "")])

    # Checking the row -----------------------------------------------------------------

    def columns(self) -> dict[str, str]:
        """{model field name: column name} of the columns this resource reads."""
        return {f.attribute: f.column_name for f in self.get_import_fields() if f.attribute}

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        # The fields left unset by a bad cell (also those needing a bad year, whose
        # error is reported once, under 年份): the model does not check them again.
        self.unset = set()
        for import_field in self.get_import_fields():
            try:
                self.import_field(import_field, instance, row, directory=self.directory, **kwargs)
            except YearError as error:
                errors[YEAR] = [str(error)]
                self.unset.add(import_field.attribute)
            except ValueError as error:
                errors[import_field.column_name] = [str(error)]
                self.unset.add(import_field.attribute)
        number = self.row_number
        first = self.duplicate_of.get(number, number)
        if first != number:
            errors.setdefault(self.natural_key[-1], []).append(
                _("Same as row %(row)s.") % {"row": first}
            )
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's own checks, each error under the column a person fixes."""
        errors = dict(import_validation_errors or {})
        exclude = {
            model_field.name
            for model_field in instance._meta.fields
            if model_field.name in self.unset
            or model_field.name in self.filled_on_save
            or unsaved_relation(instance, model_field)
        }
        try:
            instance.full_clean(exclude=exclude, validate_unique=validate_unique)
        except ValidationError as error:
            for name, field_errors in error.error_dict.items():
                for field_error in field_errors:
                    column = self.column_of(instance, name, field_error)
                    errors.setdefault(column, []).extend(field_error.messages)
        if errors:
            raise ValidationError(errors)

    def column_of(self, instance, name, error: ValidationError) -> str:
        """The column of a model error: its field's, or for a constraint the last
        column (left to right) among its fields'; else the whole row's."""
        columns = self.columns()
        if name != NON_FIELD_ERRORS:
            return columns.get(name, NON_FIELD_ERRORS)
        params = error.params or {}
        names = params.get("unique_check") or constraint_fields(type(instance)).get(
            error.messages[0], ()
        )
        order = list(columns)
        named = [n for n in names if n in columns]
        return columns[max(named, key=order.index)] if named else NON_FIELD_ERRORS

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged when every column reads the same before and after the row; not
        applied when its record changed since the export and staff did not choose it."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        if self.row_number in self.conflicts:
            return True  # a deletion refused by for_delete
        differing = self.differing(row, instance, original)
        return not differing or self.note_conflict(row, original, differing)

    # Saving the row ---------------------------------------------------------------------

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        for people in self.fields.values():
            if isinstance(people, PeopleField):
                people.save_people(instance, self.directory)

    def after_import_row(self, row, row_result, **kwargs):
        """Keep the row's number (the preview lists rows by kind, templates/admin/
        import_export/spreadsheet_import.html, and says which row of the file each is)
        and its conflict, if any."""
        super().after_import_row(row, row_result, **kwargs)
        row_result.number = self.row_number
        row_result.conflict = self.conflicts.get(self.row_number)
