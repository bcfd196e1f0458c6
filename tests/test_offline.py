"""What the service worker is told to keep (offline.json), and what makes the site
installable (manifest, icons, /sw.js, /favicon.ico). The worker itself is exercised in a
real browser by tests/test_browser_offline.py."""

import io
import json
import re

import pytest
from django.db.models import Q
from django.urls import reverse
from PIL import Image

from programme.models import Conference, Person, Session, Talk
from programme.views.offline import STATIC, THEME_COLOUR
from tests.factories import one_talk_year

pytestmark = pytest.mark.django_db


def offline_list(client, year: int, prefix: str = "") -> dict:
    response = client.get(f"{prefix}/{year}/offline.json")
    assert response.status_code == 200
    return json.loads(response.content)


def year_people(year: int) -> set[str]:
    """Everyone the year's pages link to a person page: speakers, chairs, committees."""
    appears = (
        Q(talks__conference__year=year)
        | Q(chaired_sessions__conference__year=year)
        | Q(committeemembership__conference__year=year)
    )
    return set(Person.objects.filter(appears).values_list("slug", flat=True))


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_offline_list_has_every_page_of_the_year_in_the_visitors_language(client, prefix):
    listed = offline_list(client, 2025, prefix)["urls"]

    pages = [url for url in listed if not url.startswith("/static/")]
    sessions = {m[1] for url in pages if (m := re.match(rf"^{prefix}/2025/sessions/(.+)/$", url))}
    talks = {m[1] for url in pages if (m := re.match(rf"^{prefix}/2025/talks/(.+)/$", url))}
    people = {m[1] for url in pages if (m := re.match(rf"^{prefix}/people/(.+)/$", url))}
    assert pages[:6] == [
        f"{prefix}/2025/{page}" for page in ("", "schedule/", "abstracts/", "speakers/")
    ] + [f"{prefix}/2025/organisation/", f"{prefix}/2025/contacts/"]
    assert sessions == set(
        Session.objects.filter(conference__year=2025).values_list("code", flat=True)
    )
    assert talks == set(Talk.objects.filter(conference__year=2025).values_list("code", flat=True))
    assert year_people(2025) <= people
    assert len(pages) == len(set(pages)) == 6 + len(sessions) + len(talks) + len(people)


def test_every_listed_url_answers_and_every_static_file_a_page_loads_is_listed(client):
    listed = offline_list(client, 2024, "/en")["urls"]
    pages = [url for url in listed if not url.startswith("/static/")]

    loaded = set()
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        loaded |= set(re.findall(r'(?:src|href)="(/static/[^"]+)"', response.content.decode()))
    assert loaded == {url for url in listed if url.startswith("/static/")}
    for url in loaded:
        assert (STATIC / url.removeprefix("/static/")).is_file(), url


def test_offline_list_is_cached_and_changes_version_with_the_year(client):
    url = "/2025/offline.json"
    first = client.get(url)
    unchanged = client.get(url, headers={"if-none-match": first["ETag"]})
    other_year = Talk.objects.filter(conference__year=2024).first()
    other_year.title = "另一年的新标题"
    other_year.save()
    still = client.get(url, headers={"if-none-match": first["ETag"]})
    talk = Talk.objects.filter(conference__year=2025).first()
    talk.title = "新标题"
    talk.save()
    changed = client.get(url, headers={"if-none-match": first["ETag"]})

    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert (unchanged.status_code, still.status_code, changed.status_code) == (304, 304, 200)
    assert json.loads(changed.content)["version"] != json.loads(first.content)["version"]


def test_offline_list_queries_do_not_grow_with_the_year(client, django_assert_num_queries):
    tiny = one_talk_year()

    for year in (tiny.year, 2025):
        # The version with its conference, the year's programme (four), the committee.
        with django_assert_num_queries(6):
            assert client.get(f"/{year}/offline.json").status_code == 200


def test_a_draft_year_is_never_offered_for_offline_reading(client, staff_client):
    Conference.objects.filter(year=2024).update(published=False)

    public = client.get("/2024/offline.json")
    staff = staff_client.get("/2024/offline.json")
    preview = staff_client.get("/2024/schedule/").content.decode()
    published = client.get("/2025/schedule/").content.decode()

    assert (public.status_code, staff.status_code) == (404, 404)
    assert "data-offline-list" not in preview
    assert 'data-offline-list="/2025/offline.json"' in published


@pytest.mark.parametrize(
    ("prefix", "text"),
    [
        ("", "这是 {when} 的离线副本，网络不可用"),
        ("/en", "Offline copy of {when}: the network is unavailable"),
    ],
)
def test_every_page_carries_the_offline_line_in_its_language_hidden(client, prefix, text):
    html = client.get(f"{prefix}/2025/talks/A1-1/").content.decode()

    note = re.search(r"<p [^>]*data-offline-note[^>]*>", html)[0]
    assert " hidden " in note
    assert f'data-offline-text="{text}"' in note
    assert 'data-offline-worker="/sw.js"' in note


def test_service_worker_is_served_at_the_root_and_checked_on_every_visit(client):
    response = client.get("/sw.js")
    again = client.get("/sw.js", headers={"if-none-match": response["ETag"]})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("prefix", "start", "name"), [("", "/", "中国机器学习"), ("/en", "/en/", "China")]
)
def test_manifest_makes_the_site_installable_in_the_visitors_language(client, prefix, start, name):
    page = client.get(f"{prefix}/2025/").content.decode()
    manifest_url = re.search(r'<link rel="manifest" href="([^"]+)">', page)[1]

    manifest = json.loads(client.get(manifest_url).content)

    assert manifest_url == f"{prefix}/manifest.webmanifest"
    assert manifest["name"].startswith(name)
    assert (manifest["short_name"], manifest["start_url"], manifest["display"]) == (
        "CSML",
        start,
        "standalone",
    )
    assert f"--accent: {THEME_COLOUR};" in (STATIC / "programme/site.css").read_text()
    assert manifest["theme_color"] == THEME_COLOUR
    sizes = {}
    for icon in manifest["icons"]:
        with Image.open(STATIC / icon["src"].removeprefix("/static/")) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.setdefault(icon.get("purpose", "any"), []).append(icon["sizes"])
    assert sizes == {"any": ["192x192", "512x512"], "maskable": ["512x512"]}


def test_favicon_answers_at_the_root(client):
    response = client.get("/favicon.ico")

    image = Image.open(io.BytesIO(response.content))
    assert response["Content-Type"] == "image/x-icon"
    assert image.format == "ICO"
    assert image.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert reverse("service-worker") == "/sw.js"
