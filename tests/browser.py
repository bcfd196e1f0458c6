"""Headless Debian Chromium driven by Playwright, for the browser tests.

Playwright's own browser download is not used (no network): the system's chromium is
launched by path. Screenshots go to tests/screenshots/ for people to look at.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `make test`, which installs it")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the tests
    # themselves are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def new_context(browser, width: int, *, service_workers: str = "block"):
    """A phone (width < 500) or laptop window in Chinese, in Shanghai time. Service
    workers are blocked by default: one would keep each year opened (hundreds of
    requests behind the test's back); tests/test_browser_offline.py allows them."""
    return browser.new_context(
        viewport={"width": width, "height": 900 if width > 500 else 800},
        device_scale_factor=1,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers=service_workers,
    )


def new_page(browser, width: int):
    return new_context(browser, width).new_page()


def screenshot(page, name: str):
    # A click that submits a form returns once the next page starts loading; Chromium
    # refuses to capture a page that is still being replaced ("Unable to capture").
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    try:
        page.screenshot(path=path, full_page=False)
    except PlaywrightError:
        # Headless Chromium now and then refuses a capture it would take a moment later;
        # the picture is for people to look at, so one retry before failing the test.
        page.wait_for_timeout(500)
        page.screenshot(path=path, full_page=False)


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker):
    """A live server on the test database with the committed fixture data.

    Not pytest-django's `live_server`: that one flushes the database after each test,
    which would empty it for every later test of the session.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    with django_db_blocker.unblock():
        thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
        thread.terminate()


PASSWORD = "CSML-pass-2025"  # noqa: S105 (the browser tests' accounts, on the test database)


def sign_in(page, site_url: str, area: str, username: str, password: str = PASSWORD):
    """Sign `page` in at /admin/ or /track/ as a person would; it lands on that site's
    home page."""
    page.goto(f"{site_url}/{area}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("input[type=submit]")


def signed_in_page(browser, site_url: str, area: str, username: str, width: int = 1280):
    """A new browser session (its own cookies) signed in at /admin/ or /track/."""
    page = new_page(browser, width)
    sign_in(page, site_url, area, username)
    return page
