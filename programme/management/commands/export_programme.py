from django.core.management.base import BaseCommand, CommandError

from programme.exporters.fixture import export_programme
from programme.models import Conference


class Command(BaseCommand):
    help = "Write a year's programme in the fixture format (the backup format) to stdout."

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args, year, output, **options):
        try:
            text = export_programme(year)
        except Conference.DoesNotExist:
            years = ", ".join(str(y) for y in Conference.objects.values_list("year", flat=True))
            raise CommandError(f"There is no CSML {year} (years: {years or 'none'}).") from None
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
            self.stderr.write(f"Wrote CSML {year} to {output}.")
        else:
            self.stdout.write(text, ending="")
