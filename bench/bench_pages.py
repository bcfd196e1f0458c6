"""Queries and server time of every public page of 2025, in-process (issue: <= 6 queries a
page; a conditional request answered 304 without rendering).

Run: .venv/bin/python bench/bench_pages.py [cold_rounds] [warm_rounds]
Creates a scratch database (bench_pages_<pid>) on the configured server, migrates it,
imports fixtures/*.yaml, then for each page: as right after a data change (cold: page
cache and kept programmes dropped before each request), with only the page cache cleared
(miss), primed (warm), and a request with the page's ETag in If-None-Match (304). Prints
a markdown table, writes bench/out/pages-*.json, and drops the database.
"""

import os
import sys
from collections import Counter
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
from programme.importers import import_programme_files  # noqa: E402
from programme.models import CommitteeMembership, SessionChair, TalkSpeaker  # noqa: E402


def busiest_person_slug() -> str:
    """The person with the most talks, chairs and committee roles: the longest page."""
    found = Counter()
    for model in (TalkSpeaker, SessionChair, CommitteeMembership):
        found.update(model.objects.values_list("person__slug", flat=True))
    return found.most_common(1)[0][0]


def pages(year: int, person: str) -> list[str]:
    return [
        "/",
        f"/{year}/",
        f"/{year}/schedule/",
        f"/{year}/sessions/A1/",
        f"/{year}/talks/A1-1/",
        f"/{year}/abstracts/",
        f"/{year}/speakers/",
        f"/{year}/organisation/",
        f"/{year}/contacts/",
        f"/people/{person}/",
        "/search/?q=扩散",
        "/search/?q=diffusion",
        f"/{year}/schedule.ics",
        f"/{year}/schedule.xml",
        f"/{year}/schedule.json",
        "/archive/",
    ]


def main(cold: int, warm: int):
    settings.DEBUG = False  # as served; CaptureQueriesContext records queries regardless
    # A name of our own: the test suite uses test_csml on the same server.
    connection.settings_dict["TEST"]["NAME"] = f"bench_pages_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        import_programme_files(sorted((ROOT / "fixtures").glob("csml*.yaml")))
        client = Client()
        results = [
            benchlib.measure_page(client, url, cold=cold, warm=warm)
            for url in pages(2025, busiest_person_slug())
        ]
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"machine: {benchlib.machine()}")
    print(f"{cold} cold and {warm} warm requests per page, fixtures/*.yaml loaded")
    print(benchlib.page_table(results))
    over = [(r["url"], r["cold_queries"]) for r in results if r["cold_queries"] > 6]
    print(f"pages over 6 queries: {over or 'none'}")
    print(f"json: {benchlib.write_json('pages', results)}")


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 15,
        int(sys.argv[2]) if len(sys.argv) > 2 else 50,
    )
