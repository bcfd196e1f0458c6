from django.core.management.base import BaseCommand, CommandError

from programme.importers import ImportFailed, import_programme_files, read_programme_files


class Command(BaseCommand):
    help = (
        "Load yearly programme files (fixtures/csml2025.yaml ...) into the database, in one "
        "transaction. The file is the truth for its year: rows it no longer holds are removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="fixture files, e.g. fixtures/*.yaml")
        parser.add_argument(
            "--check", action="store_true", help="only check the files; change nothing"
        )

    def handle(self, *args, files, check, **options):
        try:
            if check:
                for name, data in read_programme_files(files):
                    self.stdout.write(
                        f"{name}: CSML {data.year} is valid: {len(data.sessions)} sessions, "
                        f"{len(data.talks())} talks."
                    )
                return
            reports = import_programme_files(files)
        except ImportFailed as exc:
            count = len(exc.errors)
            raise CommandError(
                f"{count} problem{'s' if count != 1 else ''} found; nothing was imported.\n{exc}"
            ) from None
        for file in reports:
            self.stdout.write(f"{file.path}: CSML {file.year}: {file.report}.")
