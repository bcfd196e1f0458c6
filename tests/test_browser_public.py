"""The public site in a real browser: schedules of every year, day tabs, the student-track
filter, stars, sessions and talks, at laptop and phone widths; and axe-core checks.

These tests read the committed fixture data through a live server; they change nothing.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import new_page, screenshot
from tests.conftest import YEARS

pytestmark = pytest.mark.browser

WIDTHS = {"laptop": 1280, "phone": 375}


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("device", WIDTHS)
def test_schedule_days_student_filter_session_and_talk(browser, site, year, device):
    page = new_page(browser, WIDTHS[device])

    page.goto(f"{site}/{year}/schedule/")
    screenshot(page, f"schedule-{year}-{device}")
    tabs = page.locator("[data-day-tab]")
    first_day, second_day = tabs.nth(0), tabs.nth(1)
    second_day.click()
    second_visible = page.locator("section.day:not([hidden])").get_attribute("data-day")
    first_day.click()
    first_visible = page.locator("section.day:not([hidden])").get_attribute("data-day")

    assert (first_visible, second_visible) == (
        first_day.get_attribute("data-day-tab"),
        second_day.get_attribute("data-day-tab"),
    )
    student = page.locator('[data-filter-track="student"]')
    if student.count():
        student_day = page.locator("section.day:has(.session[data-track=student])").first
        student.click()
        page.locator(f'[data-day-tab="{student_day.get_attribute("data-day")}"]').click()
        visible_tracks = page.locator(".session:not(.is-hidden)").evaluate_all(
            "cards => cards.filter(c => c.offsetParent).map(c => c.dataset.track)"
        )
        screenshot(page, f"schedule-{year}-{device}-student")
        assert visible_tracks and set(visible_tracks) == {"student"}
        page.locator('[data-filter-track=""]').click()

    page.locator(".session__title a:visible").first.click()
    page.wait_for_selector("article.talk")
    screenshot(page, f"session-{year}-{device}")
    page.locator("article.talk h2 a").first.click()
    page.wait_for_selector(".talk--page")
    screenshot(page, f"talk-{year}-{device}")
    assert page.locator("h1.talk__title").inner_text().strip()
    page.context.close()


def test_stars_make_a_personal_schedule_with_overlap_warning(browser, site):
    page = new_page(browser, 1280)
    page.goto(f"{site}/2025/schedule/")

    page.locator('#session-A1 [data-star-row="A1-1"] .star').click()
    page.locator("#session-A2 [data-star-row] .star").first.click()
    page.locator("[data-filter-starred]").click()
    shown = page.locator(".talk-line:not(.is-hidden)").evaluate_all(
        "lines => lines.filter(l => l.offsetParent).map(l => l.dataset.starRow)"
    )
    warning = page.locator('[data-star-row="A1-1"] [data-overlap-note]').inner_text()
    ics = page.locator("[data-starred-ics]").get_attribute("href")
    screenshot(page, "schedule-2025-starred")
    page.reload()
    kept = page.locator('.star[aria-pressed="true"]').count()

    assert shown[0] == "A1-1" and len(shown) == 2
    assert shown[1] in warning  # beside A1-1's star: the talk it overlaps
    assert ics.endswith("?only=A1-1%2C" + shown[1])
    assert kept == 2
    page.context.close()


def test_language_switch_keeps_the_page(browser, site):
    page = new_page(browser, 1280)
    page.goto(f"{site}/2025/sessions/A1/")

    page.locator(".lang-link").click()
    page.wait_for_url("**/en/2025/sessions/A1/")
    screenshot(page, "session-2025-en")

    assert page.locator("html").get_attribute("lang") == "en"
    assert "(Luo Tao)" in page.content()
    page.context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/2025/",
        "/2025/schedule/",
        "/2025/sessions/E1/",
        "/2025/talks/P1/",
        "/2025/abstracts/",
        "/2025/speakers/",
        "/2025/organisation/",
        "/2025/contacts/",
        "/search/?q=扩散",
        "/en/search/?q=learning&year=2025&page=2",
        "/people/zhang-lin-feng/",
        "/archive/",
        "/en/2022/schedule/",
    ],
)
def test_no_serious_accessibility_violations(browser, site, path):
    page = new_page(browser, 1280)
    page.goto(site + path)

    results = Axe().run(page)

    serious = [
        (v["id"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    page.context.close()
