"""What a visitor's browser downloads to keep a year offline (issue 14: <= 1.5 MB gzip).

Run: .venv/bin/python bench/bench_offline.py
Creates a scratch database (bench_offline_<pid>) on the configured server, imports
fixtures/*.yaml, then for each year and language asks for the year's offline.json and
every URL it lists, as the service worker does: pages through Django's test Client with
Accept-Encoding: gzip (the bytes on the wire, as the site sends them), static files
gzipped at level 9 (what whitenoise's compressed storage serves in production). The sum of
the gzip bodies is what the budget counts; the pages' response headers are shown beside it
(sent as they are over HTTP/1.1, mostly the repeated CSP; HTTP/2 compresses repeated
headers away). Prints a markdown table, writes bench/out/offline-*.json, and drops the
database.
"""

import gzip
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csmlsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench import benchlib  # noqa: E402
from programme.importers import import_programme_files  # noqa: E402

BUDGET = 1.5 * 1024 * 1024


def transferred(client, url: str) -> tuple[int, int, int]:
    """(gzip body bytes, plain body bytes, response header bytes) of one URL of the set.
    Headers only for pages: static files are not answered by the test Client."""
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")
    if url.startswith(static_prefix):
        content = Path(finders.find(url.removeprefix(static_prefix))).read_bytes()
        return len(gzip.compress(content, compresslevel=9)), len(content), 0
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Encoding"] == "gzip", url
    plain = len(gzip.decompress(response.content))
    return len(response.content), plain, len(response.serialize_headers()) + 4


def measure(client, year: int, prefix: str) -> dict:
    list_url = f"{prefix}/{year}/offline.json"
    sizes = {list_url: transferred(client, list_url)}
    urls = json.loads(client.get(list_url).content)["urls"]
    sizes |= {url: transferred(client, url) for url in urls}
    largest = max(urls, key=lambda url: sizes[url][0])
    return {
        "year": year,
        "list": list_url,
        "urls": len(urls),
        "people": sum("/people/" in url for url in urls),
        "gzip_bytes": sum(gz for gz, _, _ in sizes.values()),
        "plain_bytes": sum(plain for _, plain, _ in sizes.values()),
        "header_bytes": sum(headers for _, _, headers in sizes.values()),
        "largest": largest,
        "largest_gzip_bytes": sizes[largest][0],
    }


def table(results: list[dict]) -> str:
    lines = [
        "| year | list | URLs | of which people | transferred (gzip) "
        "| + HTTP/1.1 headers | uncompressed | largest |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {r['year']} | `{r['list']}` | {r['urls']} | {r['people']} "
            f"| {r['gzip_bytes'] / 1024:.0f} KB "
            f"| {(r['gzip_bytes'] + r['header_bytes']) / 1024:.0f} KB "
            f"| {r['plain_bytes'] / 1024:.0f} KB "
            f"| `{r['largest']}` {r['largest_gzip_bytes'] / 1024:.0f} KB |"
        )
    return "\n".join(lines)


def main():
    settings.DEBUG = False
    # No listening connection of the version feed: it would keep the scratch database
    # from being dropped (and nothing here writes while measuring).
    settings.VERSION_FEED = False
    connection.settings_dict["TEST"]["NAME"] = f"bench_offline_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        import_programme_files(sorted((ROOT / "fixtures").glob("csml*.yaml")))
        client = Client()
        results = [
            measure(client, year, prefix) for year in (2022, 2024, 2025) for prefix in ("", "/en")
        ]
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(table(results))
    over = [r["list"] for r in results if r["gzip_bytes"] > BUDGET]
    print(f"sets over {BUDGET / 1024 / 1024} MB: {over or 'none'}")
    print(f"json: {benchlib.write_json('offline', results)}")


if __name__ == "__main__":
    main()
