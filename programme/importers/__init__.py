"""The yearly fixture file: parse (file -> dataclasses, all errors at once), then load.

`import_programme_files(paths)` is the one entry point for commands, `make run` and tests.
"""

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from programme.importers.load import LoadReport, load_programme
from programme.importers.parse import ProgrammeData, parse_programme
from programme.importers.yaml_source import SourceError


class ImportFailed(Exception):
    """Raised with every problem of every file; the database is unchanged."""

    def __init__(self, errors: list[SourceError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass
class FileReport:
    path: str
    year: int
    report: LoadReport


def read_programme_files(paths: list[str | Path]) -> list[tuple[str, ProgrammeData]]:
    """Parse and check every file; raise ImportFailed with all their errors."""
    parsed, errors = [], []
    for path in paths:
        name = str(path)
        try:
            source = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(SourceError(name, 0, "", f"cannot be read: {exc}"))
            continue
        data, file_errors = parse_programme(source, name)
        errors.extend(file_errors)
        if data is not None:
            parsed.append((name, data))
    years = {}
    for name, data in parsed:
        if data.year in years:
            message = f"year {data.year} is also in {years[data.year]}"
            errors.append(SourceError(name, 1, "year", message))
        years[data.year] = name
    if errors:
        raise ImportFailed(errors)
    return parsed


@transaction.atomic
def import_programme_files(paths: list[str | Path]) -> list[FileReport]:
    """Check all files, then load them in one transaction: all of them or nothing."""
    return [
        FileReport(name, data.year, load_programme(data))
        for name, data in read_programme_files(paths)
    ]
