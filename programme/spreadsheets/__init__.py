"""Spreadsheet export and import for staff (django-import-export), keyed by natural keys.

Staff export a year from an admin changelist (the export honours the changelist's
filter, e.g. ?conference__year__exact=2025), edit it in Excel or WPS and import it back.
Each exported row carries the version of its record (column 导出时版本, base.py): a row
whose record someone changed after the export is a conflict, shown with both values
and applied only if staff tick it. The preview lists what will be created, deleted and
changed, then the conflicts, then (folded) the unchanged rows; a row with a problem
shows each message under its cell, and then nothing is applied. Row numbers are the
ones Excel and WPS show: the header is row 1, the first data row is row 2.

Cells a person reads and types: dates `2025-08-09`, times `13:30`, yes/no `是`/`否`
(also 1/0, yes/no, true/false). Write 是 in the 删除 column to delete that row.

The modules, by job:

    cells.py      one widget per kind of cell (subclasses of import-export's widgets)
    people.py     the people-cell syntax (chairs, speakers) and one-person cells
    directory.py  what an import's cells refer to, read once per import
    base.py       the resource base: natural keys, the model's checks by column,
                  the version column and conflicts
    results.py    an import's result as the preview shows it (rows by kind, bad cells)
    resources.py  the five resources (sessions, talks, committees, contacts, people)
    formats.py    XLSX and CSV, formula-safe on export, lossless on re-import
    limits.py     how big an import may be, refused before it is read whole
"""

from programme.spreadsheets.formats import SPREADSHEET_FORMATS, SpreadsheetCSV, SpreadsheetXLSX
from programme.spreadsheets.limits import ImportRefused, LimitedImportForm
from programme.spreadsheets.resources import (
    CommitteeResource,
    ContactResource,
    PersonResource,
    SessionResource,
    TalkResource,
)

__all__ = [
    "SPREADSHEET_FORMATS",
    "CommitteeResource",
    "ContactResource",
    "ImportRefused",
    "LimitedImportForm",
    "PersonResource",
    "SessionResource",
    "SpreadsheetCSV",
    "SpreadsheetXLSX",
    "TalkResource",
]
