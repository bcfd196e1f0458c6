"""An import's result as the preview shows it: rows numbered as the spreadsheet numbers
them, a bad row's messages beside its cells, rows grouped by what the import does."""

from django.core.exceptions import NON_FIELD_ERRORS
from import_export.results import InvalidRow, Result

from programme.spreadsheets.cells import cell_text


def sheet_row(number: int) -> int:
    """The row Excel and WPS show for import-export's row number (1 = the first data
    row): the header is row 1."""
    return number + 1


class BadRow(InvalidRow):
    """A row with errors: `cells` are (column, the cell as typed, its errors), in the
    preview's column order; `row_errors` the errors of no one column."""

    def __init__(self, number, validation_error, row, headers):
        super().__init__(sheet_row(number), validation_error, ())
        self.cells = [
            (column, cell_text(row.get(column)), self.error_dict.get(column, []))
            for column in headers
        ]
        self.row_errors = [
            message
            for column, messages in self.error_dict.items()
            if column == NON_FIELD_ERRORS or column not in headers
            for message in messages
        ]
        self.values = tuple(text for _column, text, _errors in self.cells)


class SpreadsheetResult(Result):
    def append_invalid_row(self, number, row, validation_error):
        self.invalid_rows.append(BadRow(number, validation_error, row, self.diff_headers))

    def rows_of(self, *kinds):
        return [row for row in self.valid_rows() if row.import_type in kinds]

    def conflicts(self):
        return [row for row in self.valid_rows() if getattr(row, "conflict", None)]

    def changes(self):
        """New and deleted rows first, then updated ones, in the file's order."""
        return self.rows_of("new", "delete") + self.rows_of("update")

    def unchanged(self):
        return [row for row in self.rows_of("skip") if not getattr(row, "conflict", None)]
