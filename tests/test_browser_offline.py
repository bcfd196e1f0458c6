"""A year read offline, end to end: a live server, Chromium and the site's service worker.

Open /2025/ and /en/2025/ online and wait until the worker has kept the year; with the
browser offline, the schedule, five sessions, five talks, the abstracts, the speakers and
a person page open in both languages with the "offline copy" line, and stars and "my
schedule" still work; back online, a title changed in the database shows on the next
open, without the line.

Service workers need a secure context: http://localhost is one. The live server reads
committed data, so the retitling test commits and puts the 2025 programme back from its
fixture afterwards (the import is exact and idempotent).
"""

import re

import pytest

from programme.importers import import_programme_files
from programme.models import Session, Talk, TalkSpeaker
from tests.browser import new_context as browser_context
from tests.browser import screenshot
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

NEW_TITLE = "离线之后改的新标题"
OFFLINE_LINE = {
    "": re.compile(r"^这是 \d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2} 的离线副本，网络不可用$"),
    "/en": re.compile(
        r"^Offline copy of [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M: "
        r"the network is unavailable$"
    ),
}


@pytest.fixture
def new_context(browser):
    """Browser contexts with service workers, closed after the test: a worker still
    keeping a year must not reach the live server once the test is over."""
    contexts = []

    def make(width: int):
        context = browser_context(browser, width, service_workers="allow")
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def keep_year_offline(page, url: str):
    """Open `url` and wait until the worker says every page of its year is kept."""
    page.goto(url)
    # A selector, not wait_for_function: the site's CSP forbids evaluating strings.
    page.wait_for_selector("html[data-offline-ready]", state="attached", timeout=120_000)
    assert page.locator("html").get_attribute("data-offline-ready") == "true"


KEPT_PATHS = """async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
  }
  return paths;
}"""


def kept_paths(page) -> set[str]:
    """Every path in the worker's caches (a static file is in each language's set)."""
    return set(page.evaluate(KEPT_PATHS))


def looked_at_phone_and_laptop_width(page, name: str):
    """Screenshots at 375 and 1280 px; the line stays inside the screen at both."""
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        screenshot(page, f"{name}-{width}")
        box = page.locator("[data-offline-note]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width


def offline_line(page) -> str:
    note = page.locator("[data-offline-note]")
    assert note.is_visible()
    return note.inner_text().strip()


@pytest.fixture
def reading_list(django_db_blocker):
    """Pages to open offline: five sessions, five talks (plain titles, so the heading is
    the title as stored) and a speaker's person page."""
    with django_db_blocker.unblock():
        sessions = list(
            Session.objects.filter(conference__year=2025)
            .order_by("code")[:5]
            .values_list("code", flat=True)
        )
        talks = list(
            Talk.objects.filter(conference__year=2025)
            .exclude(title__contains="$")
            .order_by("code")[:5]
            .values_list("code", "title")
        )
        speaker = TalkSpeaker.objects.filter(talk__code=talks[0][0], talk__conference__year=2025)
        person = speaker.select_related("person").first().person
    return {"sessions": sessions, "talks": talks, "person": (person.slug, person.name)}


@pytest.fixture
def put_2025_back(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        import_programme_files([FIXTURES / "csml2025.yaml"])


def test_year_opens_offline_in_both_languages_and_a_new_title_shows_back_online(
    new_context, site, reading_list, django_db_blocker, put_2025_back
):
    context = new_context(1280)
    page = context.new_page()
    keep_year_offline(page, f"{site}/2025/")
    keep_year_offline(page, f"{site}/en/2025/")
    assert page.locator("[data-offline-note]").is_hidden()  # online: no line
    page.goto(f"{site}/admin/login/")
    page.goto(f"{site}/search/?q=diffusion")
    lists = ["/2025/offline.json", "/en/2025/offline.json"]
    listed = {url for path in lists for url in page.request.get(site + path).json()["urls"]}
    assert kept_paths(page) == listed | set(lists)  # nothing else: not /admin/, not search

    context.set_offline(True)
    for prefix in ("", "/en"):
        opened = []

        def open_offline(path, heading, prefix=prefix, opened=opened):
            page.goto(f"{site}{prefix}{path}")
            assert OFFLINE_LINE[prefix].match(offline_line(page)), (path, offline_line(page))
            assert heading in page.locator("main h1").inner_text(), path
            opened.append(path)

        language = "zh" if prefix == "" else "en"
        open_offline("/2025/schedule/", "2025")
        looked_at_phone_and_laptop_width(page, f"offline-schedule-{language}")
        for code in reading_list["sessions"]:
            open_offline(f"/2025/sessions/{code}/", code)
        for code, title in reading_list["talks"]:
            open_offline(f"/2025/talks/{code}/", title)
        looked_at_phone_and_laptop_width(page, f"offline-talk-{language}")
        open_offline("/2025/abstracts/", "2025")
        open_offline("/2025/speakers/", "2025")
        slug, name = reading_list["person"]
        open_offline(f"/people/{slug}/", name)
        assert len(opened) == 14

    # Stars and "my schedule" are kept in the browser: they work offline too.
    first_talk = reading_list["talks"][0][0]
    page.goto(f"{site}/2025/talks/{first_talk}/")
    page.locator(f'[data-star="{first_talk}"]').click()
    page.goto(f"{site}/2025/schedule/")
    page.locator("[data-filter-starred]").click()
    shown = page.locator("[data-star-row]:not(.is-hidden)")
    assert [shown.nth(i).get_attribute("data-star-row") for i in range(shown.count())] == [
        first_talk
    ]
    assert page.locator("[data-star-count]").inner_text() == "1"
    assert OFFLINE_LINE[""].match(offline_line(page))

    context.set_offline(False)
    with django_db_blocker.unblock():
        Talk.objects.filter(conference__year=2025, code=first_talk).update(title=NEW_TITLE)
    page.goto(f"{site}/2025/talks/{first_talk}/")
    assert NEW_TITLE in page.locator("main h1").inner_text()
    assert page.locator("[data-offline-note]").is_hidden()
