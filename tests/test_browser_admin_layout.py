"""The staff admin fits a 1280 px screen, and a contact's /track/ session page works on a
375 px phone (issue 15, finding 6).

"Fits" is measured: the page's document is no wider than the window (no sideways
scroll). On the phone, "works" means the document does not scroll sideways and every talk
title field (on a talk's page, every text box) is wholly inside the window as the page
opens: not behind a table that has to be scrolled sideways to find it.

Only reads: the accounts are made here and removed afterwards.
"""

import pytest
from django.contrib.auth.models import User
from django.db.models import Count

from programme.models import (
    CommitteeMembership,
    Conference,
    Contact,
    ProgrammeItem,
    Room,
    Session,
    Talk,
    Track,
)
from tests.browser import PASSWORD, screenshot, signed_in_page

pytestmark = pytest.mark.browser

# The page's width against the window's; the fields that are not wholly in the window.
DOCUMENT_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"
UNREACHABLE_INPUTS = """inputs => inputs.filter(input => {
    const box = input.getBoundingClientRect();
    return box.left < 0 || box.right > window.innerWidth;
}).map(input => input.name)"""


@pytest.fixture
def accounts(django_db_blocker):
    """root is staff; 王铭泽 looks after the student track (E1-E8) at /track/."""
    with django_db_blocker.unblock():
        staff = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        contact = User.objects.create_user("wangmingze", "mingzewang@example.org", PASSWORD)
        Track.objects.get(conference__year=2025, code="student").editors.add(contact)
        yield {"admin": staff, "track": contact}
        staff.delete()
        contact.delete()


def staff_pages(staff):
    """Every staff page of the programme: each model's list and the page of a real 2025
    object (the richest: the session and talk with the most rows), and the tools."""
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk.objects.get(conference__year=2025, code="E1-1")
    conference = Conference.objects.get(year=2025)
    objects = {
        "conference": conference,
        "session": session,
        "talk": talk,
        "person": talk.talk_speakers.order_by("position").first().person,
        "committeemembership": CommitteeMembership.objects.filter(conference=conference)
        .order_by("pk")
        .first(),
        "contact": Contact.objects.filter(conference=conference).order_by("pk").first(),
        "room": Room.objects.filter(conference=conference).order_by("pk").first(),
        "track": Track.objects.get(conference=conference, code="student"),
        "programmeitem": ProgrammeItem.objects.filter(conference=conference)
        .annotate(n=Count("item_hosts"))
        .order_by("-n", "pk")
        .first(),
    }
    pages = ["/admin/", "/admin/programme/release/", "/admin/programme/track/invite/"]
    for model, obj in objects.items():
        pages += [f"/admin/programme/{model}/", f"/admin/programme/{model}/{obj.pk}/change/"]
    pages += [
        f"/admin/programme/conference/{conference.pk}/dashboard/",
        f"/admin/programme/conference/{conference.pk}/release/",
        f"/admin/programme/session/{session.pk}/history/",
        f"/admin/programme/talk/{talk.pk}/history/",
        "/admin/programme/talk/export/",
        "/admin/programme/talk/import/",
        "/admin/programme/session/add/",
        "/admin/programme/talk/add/",
        "/admin/axes/accessattempt/",
        "/admin/auth/user/",
        f"/admin/auth/user/{staff.pk}/change/",
    ]
    return pages


def test_staff_admin_has_no_sideways_scroll_at_1280(browser, site, accounts, django_db_blocker):
    with django_db_blocker.unblock():
        pages = staff_pages(accounts["admin"])
    page = signed_in_page(browser, site, "admin", "root", 1280)

    too_wide = {}
    for url in pages:
        response = page.goto(f"{site}{url}")
        assert response.status == 200, url
        width, window = page.evaluate(DOCUMENT_WIDTH)
        if width > window:
            too_wide[url] = width
        if url.endswith(("/change/", "/dashboard/")) and "/auth/" not in url:
            inlines = page.locator(".inline-group")
            if inlines.count():
                inlines.last.scroll_into_view_if_needed()
            screenshot(page, "admin-1280-" + url.strip("/").replace("/", "-"))
    page.context.close()

    assert len(pages) > 25
    assert not too_wide, f"wider than 1280 px: {too_wide}"


@pytest.mark.parametrize("model", ["session", "talk"])
def test_track_pages_work_on_a_phone(browser, site, accounts, django_db_blocker, model):
    with django_db_blocker.unblock():
        session = Session.objects.get(conference__year=2025, code="E1")
        obj = session if model == "session" else session.talks.order_by("position").first()
    page = signed_in_page(browser, site, "track", "wangmingze", 375)

    page.goto(f"{site}/track/programme/{model}/{obj.pk}/change/")
    screenshot(page, f"track-375-{model}")
    width, window = page.evaluate(DOCUMENT_WIDTH)
    fields = "input[name^='talks-'][name$='-title']" if model == "session" else "textarea"
    inputs = page.locator(f"{fields}:not([name*='__prefix__'])")  # not the hidden new row
    unreachable = inputs.evaluate_all(UNREACHABLE_INPUTS)
    count = inputs.count()
    inputs.last.scroll_into_view_if_needed()
    screenshot(page, f"track-375-{model}-rows")
    page.context.close()

    assert width <= window
    assert count >= (session.talks.count() if model == "session" else 2)
    assert not unreachable, f"cut off at 375 px: {unreachable}"


def test_track_lists_have_no_sideways_scroll_on_a_phone(browser, site, accounts):
    page = signed_in_page(browser, site, "track", "wangmingze", 375)

    too_wide = {}
    for url in ("/track/", "/track/programme/session/", "/track/programme/talk/"):
        page.goto(f"{site}{url}")
        screenshot(page, "track-375-" + (url.strip("/").replace("/", "-")))
        width, window = page.evaluate(DOCUMENT_WIDTH)
        if width > window:
            too_wide[url] = width
    page.context.close()

    assert not too_wide, f"wider than 375 px: {too_wide}"
