"""Staff start next year and invite a contact; the invited person sets a password; a
stranger is locked out. End to end in Chromium at 1280 px, with screenshots.

The live server reads committed data: the fixture removes what the tests create (the
2026 draft and the accounts)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from programme.models import Conference
from tests.browser import PASSWORD, new_page, screenshot, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def accounts(django_db_blocker):
    with django_db_blocker.unblock():
        staff = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        invited = User.objects.create_user("li@example.org", "li@example.org")
        invited.set_unusable_password()
        invited.save()
        yield {"staff": staff, "invited": invited}
        Conference.objects.filter(year=2026).delete()
        User.objects.filter(pk__in=[staff.pk, invited.pk]).delete()


def test_start_next_year_offers_the_same_weekday_and_keeps_every_sessions_weekday(
    browser, site, accounts, django_db_blocker
):
    with django_db_blocker.unblock():
        source = Conference.objects.get(year=2025)
        weekdays = {s.code: s.date.weekday() for s in source.sessions.all()}
    page = signed_in_page(browser, site, "admin", "root")
    page.goto(f"{site}/admin/programme/conference/")

    page.check(f"input[name=_selected_action][value='{source.pk}']")
    page.select_option("select[name=action]", "start_next_year")
    with page.expect_navigation():
        page.click("button[name=index]")
    offered = page.input_value("#id_first_day")
    screenshot(page, "admin-start-next-year")
    with page.expect_navigation():
        page.click("input[type=submit].default")
    screenshot(page, "admin-start-next-year-done")

    assert offered == "2026/08/08"
    with django_db_blocker.unblock():
        copy = Conference.objects.get(year=2026)
        copied = {s.code: s.date.weekday() for s in copy.sessions.all()}
    assert copy.start_date == dt.date(2026, 8, 8)
    assert copied == weekdays and len(copied) == len(weekdays) > 30
    assert "CSML2026" in page.locator(".messagelist").inner_text()


def test_invitation_form_is_drawn_like_the_admin_with_searchable_selectors(browser, site, accounts):
    page = signed_in_page(browser, site, "admin", "root")
    page.goto(f"{site}/admin/programme/track/invite/")

    page.locator("#id_sessions_input").press_sequentially("2025 · E1")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "admin-invite-contact")
    shown = page.locator("#id_sessions_from option").all_inner_texts()

    assert page.locator("fieldset.module.aligned").count() == 1
    assert page.locator(".selector").count() == 2  # tracks and sessions
    assert shown == ["2025 · E1 AI 理论 (I)"]
    label, selector = (
        page.locator(f".field-sessions {css}").first.bounding_box()
        for css in ("label[for=id_sessions]", ".selector")
    )
    assert label["x"] + label["width"] <= selector["x"]  # the label on the left, as in the admin
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_set_password_page_is_branded_and_states_the_rules(browser, site, accounts):
    invited = accounts["invited"]
    uid = urlsafe_base64_encode(force_bytes(invited.pk))
    token = default_token_generator.make_token(invited)
    page = new_page(browser, 1280)

    page.goto(f"{site}/accounts/reset/{uid}/{token}/")
    screenshot(page, "set-password")

    assert page.locator("#site-name").inner_text() == "CSML 会议日程管理"
    assert "你的密码不能全都是数字" in page.locator(".password-rules").inner_text()


def test_lock_out_page_is_branded(browser, site, accounts, django_db_blocker):
    """A stranger's own name is locked: the live server's database is shared by the
    later browser tests, so the lock is lifted afterwards and never touches `root`."""
    page = new_page(browser, 1280)
    page.goto(f"{site}/track/login/")
    for _ in range(6):
        page.fill("#id_username", "stranger")
        page.fill("#id_password", "wrong")
        with page.expect_navigation():
            page.click("input[type=submit]")
        if page.locator("h1", has_text="登录失败次数过多").count():
            break
    screenshot(page, "locked-out")

    shown = (
        page.locator("#site-name").inner_text(),
        page.locator("h1", has_text="登录失败次数过多").count(),
    )
    with django_db_blocker.unblock():
        AccessAttempt.objects.filter(username="stranger").delete()

    assert shown == ("CSML 会议日程管理", 1)
