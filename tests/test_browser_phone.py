"""The public site on a 375 px phone: what a finger taps is big enough, no page scrolls
sideways, every section of the year is in reach, and a filter or "my schedule" that
leaves a day empty says so and offers the days that have matches; a starred talk that
overlaps another says so beside its star.

These tests read the committed fixture data through a live server; they change nothing
but the browser's own storage (stars), which each test starts without.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import new_page, screenshot
from tests.conftest import YEARS

pytestmark = pytest.mark.browser

PHONE = 375
TOUCH = 44  # px: the smallest target a finger hits reliably (WCAG 2.5.5, Apple's guidelines)
LANGUAGES = {"zh": "", "en": "/en"}
YEAR_PAGES = ("", "schedule/", "abstracts/", "speakers/", "organisation/", "contacts/", "changes/")

# Every visible element matching `selector`, as [label, width, height] (rounded down, so
# that 43.9 px does not pass for 44).
SIZES = """(elements) => elements
  .filter((e) => e.offsetParent !== null)
  .map((e) => {
    const box = e.getBoundingClientRect();
    const label = (e.dataset.star || e.dataset.filterTrack || e.dataset.dayTab ||
      e.textContent).trim().slice(0, 20);
    return [label, Math.floor(box.width), Math.floor(box.height)];
  })"""


def serious_violations(page) -> list:
    """axe-core's serious and critical findings on the page as it is now."""
    results = Axe().run(page).response["violations"]
    return [(v["id"], len(v["nodes"])) for v in results if v["impact"] in ("serious", "critical")]


def too_small(page, selector: str) -> list:
    sizes = page.locator(selector).evaluate_all(SIZES)
    assert sizes, f"nothing visible matches {selector}"
    return [size for size in sizes if size[1] < TOUCH or size[2] < TOUCH]


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def shown_days(page) -> list[str]:
    return page.locator("section.day:not([hidden])").evaluate_all(
        "days => days.map(d => d.dataset.day)"
    )


def test_stars_and_filters_are_at_least_44_px_square(browser, site):
    page = new_page(browser, PHONE)

    page.goto(f"{site}/2025/schedule/#day-2025-08-09")
    small = {
        "stars": too_small(page, ".star"),
        "track filters": too_small(page, "[data-filter-track]"),
        "my schedule": too_small(page, "[data-filter-starred]"),
        "day tabs": too_small(page, "[data-day-tab]"),
        "room filter": too_small(page, "[data-filter-room]"),
    }
    page.locator('[data-filter-track="student"]').click()
    small["offered days"] = too_small(page, "[data-offered-day]")
    for path in ("/2025/sessions/E1/", "/2025/talks/E1-1/", "/2025/talks/P1/"):
        page.goto(site + path)
        small[path] = too_small(page, ".star")

    assert small == {where: [] for where in small}
    page.context.close()


def year_pages(page, site: str, prefix: str, year: int) -> list[str]:
    """The year's pages, a session and a talk of a session, an invited talk and, for
    2025, the session whose track has a contact."""
    page.goto(f"{site}{prefix}/{year}/schedule/")
    links = [
        page.locator(".session__title a").first.get_attribute("href"),
        page.locator(".talk-line a").first.get_attribute("href"),
        page.locator(".item__title a").first.get_attribute("href"),
    ]
    if year == 2025:
        links.append(f"{prefix}/2025/sessions/E1/")
    return [f"{prefix}/{year}/{p}" for p in YEAR_PAGES] + links


def outside_the_years(prefix: str) -> list[str]:
    return [
        f"{prefix}/archive/",
        f"{prefix}/search/?q=learning",
        f"{prefix}/search/?q=learning&year=2024&page=2",
        f"{prefix}/search/?q=zzzzqqq",
        f"{prefix}/people/zhang-lin-feng/",
        f"{prefix}/2025/sessions/NO-SUCH-SESSION/",  # the page that says it is not there
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_public_page_scrolls_sideways_on_a_phone(browser, site, language):
    """Every page type of the three years and the pages outside them, at 375 px."""
    page = new_page(browser, PHONE)
    prefix = LANGUAGES[language]
    paths = [path for year in YEARS for path in year_pages(page, site, prefix, year)]
    paths += outside_the_years(prefix)

    widths = {}
    for path in paths:
        page.goto(site + path)
        widths[path] = page_width(page)

    assert len(widths) == len(YEARS) * (len(YEAR_PAGES) + 3) + 1 + 6
    assert {path: w for path, w in widths.items() if w > PHONE} == {}
    page.context.close()


# (page, the link marked as where the reader is, its aria-current)
WHERE = [
    ("/2025/contacts/", "contacts", "page"),
    ("/2025/sessions/E1/", "schedule", "true"),
    ("/en/2022/talks/A1-1/", "schedule", "true"),
    ("/en/2024/organisation/", "organisation", "page"),
]

# Each link of the year's navigation: is it inside the screen and the topmost element at
# its centre (nothing covers it), and does the navigation hide any of itself sideways?
NAV_REACH = """(nav) => ({
  hiddenSideways: nav.scrollWidth > nav.clientWidth,
  links: Array.from(nav.querySelectorAll("a")).map((a) => {
    const box = a.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    return {
      href: a.getAttribute("href"),
      current: a.getAttribute("aria-current"),
      onScreen: box.left >= 0 && box.right <= window.innerWidth && box.width > 0,
      onTop: a.contains(document.elementFromPoint(x, y)),
    };
  }),
})"""


@pytest.mark.parametrize(("path", "section", "current"), WHERE)
def test_every_section_of_the_year_is_in_reach_on_a_phone(browser, site, path, section, current):
    page = new_page(browser, PHONE)
    page.goto(site + path)

    reach = page.locator(".year-nav").evaluate(NAV_REACH)
    out_of_reach = [
        link["href"] for link in reach["links"] if not (link["onScreen"] and link["onTop"])
    ]
    marked = {link["href"].rstrip("/").split("/")[-1]: link["current"] for link in reach["links"]}
    hrefs = [link["href"] for link in reach["links"]]
    reached = []
    for href in hrefs:
        page.goto(site + path)
        with page.expect_navigation():
            page.locator(f'.year-nav a[href="{href}"]').click()
        reached.append(page.evaluate("location.pathname"))

    assert (reach["hiddenSideways"], out_of_reach) == (False, [])
    assert len(hrefs) == 8
    assert reached == hrefs
    assert marked[section] == current
    assert [c for c in marked.values() if c] == [current]
    page.context.close()


def test_a_filter_that_empties_the_day_offers_the_days_that_have_matches(browser, site):
    page = new_page(browser, PHONE)
    page.goto(f"{site}/2025/schedule/#day-2025-08-09")

    page.locator('[data-filter-track="student"]').click()
    message = page.locator("[data-filter-empty]").inner_text()
    offered = page.locator("[data-offered-day]").evaluate_all(
        "buttons => buttons.map(b => [b.dataset.offeredDay, b.textContent])"
    )
    screenshot(page, "phone-schedule-2025-student-on-9-august")
    violations = serious_violations(page)
    page.locator('[data-offered-day="2025-08-10"]').click()
    tracks = page.locator(".session").evaluate_all(
        "cards => cards.filter(c => c.offsetParent).map(c => c.dataset.track)"
    )

    assert "8月9日" in message and "没有符合筛选条件" in message
    assert violations == []
    assert [day for day, _ in offered] == ["2025-08-10"]
    assert "8月10日" in offered[0][1]
    assert shown_days(page) == ["2025-08-10"]
    assert page.locator("[data-filter-empty]").inner_text() == ""
    assert len(tracks) == 8 and set(tracks) == {"student"}
    page.context.close()


def test_the_empty_day_message_is_in_english_on_english_pages(browser, site):
    page = new_page(browser, PHONE)
    page.goto(f"{site}/en/2025/schedule/#day-2025-08-08")

    page.locator('[data-filter-track="main"]').click()

    assert "matches these filters" in page.locator("[data-filter-empty]").inner_text()
    assert page.locator("[data-offered-day]").evaluate_all(
        "buttons => buttons.map(b => b.dataset.offeredDay)"
    ) == ["2025-08-09", "2025-08-10"]
    page.context.close()


def test_my_schedule_shows_every_day_with_a_star_and_says_when_there_is_none(browser, site):
    page = new_page(browser, PHONE)
    page.goto(f"{site}/2025/schedule/#day-2025-08-09")

    page.locator("[data-filter-starred]").click()
    nothing_starred = page.locator("[data-filter-empty]").inner_text()
    page.locator("[data-filter-starred]").click()
    page.locator('#session-A1 [data-star-row="A1-1"] .star').click()
    page.locator('[data-day-tab="2025-08-10"]').click()
    page.locator("#session-E1 .session__head .star").click()
    page.locator("[data-filter-starred]").click()
    screenshot(page, "phone-schedule-2025-my-schedule")
    selected = page.locator('[data-day-tab][aria-selected="true"]').get_attribute("data-day-tab")
    shown = page.locator("[data-star-row]:not(.is-hidden), .session:not(.is-hidden)").evaluate_all(
        "rows => rows.filter(r => r.offsetParent).map(r => r.dataset.starRow || r.id)"
    )

    assert "☆" in nothing_starred
    assert selected == "all"
    assert shown_days(page) == ["2025-08-09", "2025-08-10"]
    assert shown == ["session-A1", "A1-1", "session-E1", "E1-1", "E1-2", "E1-3", "E1-4"]
    page.context.close()


def test_an_overlap_is_named_beside_the_star_that_caused_it(browser, site):
    page = new_page(browser, PHONE)
    page.goto(f"{site}/2025/schedule/#day-2025-08-09")
    page.locator('#session-A1 [data-star-row="A1-1"] .star').click()
    titles = {
        code: page.locator(f'[data-star-row="{code}"] a').inner_text()[:30]
        for code in ("A1-1", "A2-1")
    }

    star = page.locator('#session-A2 [data-star-row="A2-1"] .star')
    star.click()
    note = page.locator('[data-star-row="A2-1"] [data-overlap-note]')
    gap = page.evaluate(
        """([star, note]) => {
          const s = star.getBoundingClientRect(), n = note.getBoundingClientRect();
          return Math.max(0, n.top - s.bottom, s.top - n.bottom);
        }""",
        [star.element_handle(), note.element_handle()],
    )
    screenshot(page, "phone-schedule-2025-overlap")
    violations = serious_violations(page)
    beside_a2 = note.inner_text()
    beside_a1 = page.locator('[data-star-row="A1-1"] [data-overlap-note]').inner_text()
    described = star.get_attribute("aria-describedby") == note.get_attribute("id")
    page.goto(f"{site}/2025/talks/A2-1/")
    on_talk_page = page.locator("main [data-overlap-note]").inner_text()

    assert "A1-1" in beside_a2 and titles["A1-1"] in beside_a2
    assert "A2-1" in beside_a1 and titles["A2-1"] in beside_a1
    assert gap < 12  # px: right under the star's line
    assert described
    assert violations == []
    assert "A1-1" in on_talk_page and titles["A1-1"] in on_talk_page
    page.context.close()
