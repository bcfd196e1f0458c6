"""How much a staff spreadsheet import may hold, checked before the file is read whole.

A year's largest sheet (talks with abstracts) is about 200 rows and 300 KB, yet with no
limit a 100,000-row XLSX took 45 s and 270 MB and rendered a 60 MB preview, and a 5 MB
XLSX can unpack to over a gigabyte of XML. So, in this order, each refusal a message on
the import form that changes nothing:

1. the upload's size, at most settings.IMPORT_MAX_BYTES (default 5 MB), before reading;
2. for XLSX (a zip of XML files), the total size its members unpack to, from the zip's
   directory, before openpyxl opens it: at most UNPACKED_PER_BYTE times the byte limit
   (spreadsheet XML packs about 5-10 to 1; a zip bomb packs a thousand to 1);
3. the rows, counted while the format reads them (formats.py), stopping at
   settings.IMPORT_MAX_ROWS (default 5,000) instead of reading on.
"""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.forms import ImportForm

UNPACKED_PER_BYTE = 20


class ImportRefused(ValueError):
    """A file over a limit; the message is for the person importing it."""


def check_size(upload) -> None:
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(
            _("The file is %(size)s; at most %(limit)s can be imported at once.")
            % {
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.IMPORT_MAX_BYTES),
            }
        )


def check_archive(upload) -> None:
    """An XLSX's members, by the sizes its zip directory declares (Python's zipfile
    refuses to read a member past its declared size, so the declaration holds)."""
    limit = UNPACKED_PER_BYTE * settings.IMPORT_MAX_BYTES
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportRefused(_("This is not an XLSX file.")) from None
    finally:
        upload.seek(0)
    if unpacked > limit:
        raise ImportRefused(
            _("The file unpacks to %(size)s; at most %(limit)s can be imported at once.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(limit)}
        )


def counted(rows):
    """`rows` (the data rows, after the header), refused once there are too many."""
    limit = settings.IMPORT_MAX_ROWS
    for number, row in enumerate(rows, 1):
        if number > limit:
            raise ImportRefused(
                _("The file has more than %(limit)s rows; import it in parts.") % {"limit": limit}
            )
        yield row


class LimitedImportForm(ImportForm):
    """import-export's import form, refusing a file over the size limits (1 and 2)."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_size(upload)
        except ImportRefused as refused:
            raise ValidationError(str(refused)) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, chosen = cleaned.get("import_file"), cleaned.get("format")
        if (
            upload
            and chosen not in (None, "")
            and getattr(self.formats[int(chosen)], "zipped", False)
        ):
            try:
                check_archive(upload)
            except ImportRefused as refused:
                self.add_error("import_file", str(refused))
        return cleaned
