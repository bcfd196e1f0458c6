"""How each page's cost grows with the archive: 3, 10 and 30 years of programme.

Run: .venv/bin/python bench/bench_archive.py [cold_rounds] [warm_rounds] [stages] [only]
      e.g. bench/bench_archive.py 7 20 3,10,30
           bench/bench_archive.py 5 10 3,10,30 /search/   (only the URLs containing it)
Synthetic years are fixtures/csml2025.yaml moved to earlier years (benchlib.
synthetic_year_file: year, dates and printed names rewritten; codes and people kept, so
the same people appear in every year) and loaded WITH THE REAL IMPORTER, the newest year
being 2025. Creates a scratch database (bench_archive_<pid>) on the configured server,
grows it stage by stage, measures the 2025 pages, a person page, search and the archive
at each stage (as bench_pages.py does), prints the tables, writes
bench/out/archive-*.json, and drops the database.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csmlsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench import benchlib  # noqa: E402
from bench.bench_pages import busiest_person_slug  # noqa: E402
from programme.importers import import_programme_files  # noqa: E402
from programme.models import Conference, Person, Talk  # noqa: E402

NEWEST = 2025


def pages(person: str) -> list[str]:
    y = NEWEST
    return [
        f"/{y}/",
        f"/{y}/schedule/",
        f"/{y}/sessions/A1/",
        f"/{y}/talks/A1-1/",
        f"/{y}/abstracts/",
        f"/{y}/speakers/",
        f"/{y}/schedule.xml",
        f"/{y}/schedule.json",
        f"/{y}/schedule.ics",
        f"/people/{person}/",
        "/search/?q=扩散",
        "/search/?q=diffusion",
        "/search/?q=learning",  # ~60 talks a year: 20 a page
        "/search/?q=learning&page=3",
        "/search/?q=吴磊",  # two characters: shorter than a trigram
        "/search/?q=wu+lei",  # pinyin
        "/search/?q=拓扑绝缘体",  # found nowhere
        "/archive/",
    ]


def main(cold: int, warm: int, stages: list[int], only: str = ""):
    settings.DEBUG = False
    connection.settings_dict["TEST"]["NAME"] = f"bench_archive_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    source = ROOT / "fixtures" / "csml2025.yaml"
    measured = []
    try:
        with tempfile.TemporaryDirectory(prefix="csml-archive-") as folder:
            loaded = 0
            for years in stages:
                files = [
                    benchlib.synthetic_year_file(source, year, Path(folder))
                    for year in range(NEWEST - years + 1, NEWEST - loaded + 1)
                ]
                started = time.perf_counter()
                import_programme_files(files)
                import_seconds = time.perf_counter() - started
                loaded = years
                stage = {
                    "years": Conference.objects.count(),
                    "talks": Talk.objects.count(),
                    "people": Person.objects.count(),
                    "import_files": len(files),
                    "import_seconds": import_seconds,
                }
                client = Client()
                stage["pages"] = [
                    benchlib.measure_page(client, url, cold=cold, warm=warm)
                    for url in pages(busiest_person_slug())
                    if only in url
                ]
                measured.append(stage)
                print(
                    f"{stage['years']} years, {stage['talks']} talks, {stage['people']} people "
                    f"(imported {len(files)} files in {import_seconds:.1f} s)",
                    flush=True,
                )
    finally:
        # The version feed's listening connection (programme/caching/feed.py) is still
        # in the scratch database, which PostgreSQL then refuses to drop.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"machine: {benchlib.machine()}")
    print(f"{cold} cold and {warm} warm requests per page and stage")
    for stage in measured:
        print(f"\n### {stage['years']} years, {stage['talks']} talks, {stage['people']} people\n")
        print(benchlib.page_table(stage["pages"]))
    print("\n### Growth: cold queries, cold / miss / warm ms median per stage\n")
    head = " | ".join(f"{s['years']} y: q, cold, miss, warm ms" for s in measured)
    print(f"| page | {head} |")
    print("| --- |" + " --- |" * len(measured))
    for i, url in enumerate(p["url"] for p in measured[0]["pages"]):
        cells = " | ".join(
            f"{s['pages'][i]['cold_queries']}, {s['pages'][i]['cold_median']:.0f}, "
            f"{s['pages'][i]['miss_median']:.0f}, {s['pages'][i]['warm_median']:.1f}"
            for s in measured
        )
        print(f"| `{url}` | {cells} |")
    for stage in measured:
        for page in stage["pages"]:
            page.pop("cold_sql")
    print(f"json: {benchlib.write_json('archive', measured)}")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 7,
        int(sys.argv[2]) if len(sys.argv) > 2 else 20,
        [int(n) for n in sys.argv[3].split(",")] if len(sys.argv) > 3 else [3, 10, 30],
        sys.argv[4] if len(sys.argv) > 4 else "",
    )
