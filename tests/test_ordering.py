"""Reordering talks and renumbering their codes, and old codes that keep working as links.

On the real 2025 programme: session E3 (student track) has talks E3-1, E3-2, E3-3.
"""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from programme.caching.versions import conference_with_stamp
from programme.exporters.ics import programme_calendar
from programme.models import CodeRedirect, Session, Talk
from programme.queries import programme_for_conference
from programme.renumbering import renumber_talks

pytestmark = pytest.mark.django_db


@pytest.fixture
def e3():
    return Session.objects.get(conference__year=2025, code="E3")


def talk(code, year=2025):
    return Talk.objects.get(conference__year=year, code=code)


def move_to_top(session, code):
    """What dragging `code` to the top and saving does: order 1, 2, 3 ... in the new order."""
    talks = list(session.talks.order_by("position"))
    moved = next(t for t in talks if t.code == code)
    for n, t in enumerate([moved, *(t for t in talks if t is not moved)], start=1):
        t.position = n
        t.save()


def test_renumber_makes_codes_follow_the_order_and_keeps_guids(client, e3):
    third = talk("E3-3")
    guid, title = third.guid, third.title
    move_to_top(e3, "E3-3")

    changes = renumber_talks(session=e3)

    assert changes == [("E3-3", "E3-1"), ("E3-1", "E3-2"), ("E3-2", "E3-3")]
    third.refresh_from_db()
    assert (third.code, third.title, third.guid) == ("E3-1", title, guid)
    assert [t.code for t in e3.talks.order_by("position")] == ["E3-1", "E3-2", "E3-3"]
    # The public session page lists them in order, codes ascending.
    page = client.get("/2025/sessions/E3/").content.decode()
    assert page.index("E3-1") < page.index("E3-2") < page.index("E3-3")
    assert page.index(title) < page.index("E3-2")


def test_renumber_twice_changes_nothing_the_second_time(e3):
    move_to_top(e3, "E3-2")
    renumber_talks(session=e3)
    assert renumber_talks(session=e3) == []


def test_renumber_refuses_a_code_of_another_session_and_changes_nothing(e3):
    intruder = talk("E4-1")
    intruder.code = "E3-4"
    intruder.save()
    extra = Talk.objects.create(session=e3, code="E3-X", title="新增报告", position=9)
    move_to_top(e3, "E3-X")

    with pytest.raises(ValidationError, match="E3-4"):
        renumber_talks(session=e3)

    assert sorted(e3.talks.values_list("code", flat=True)) == ["E3-1", "E3-2", "E3-3", "E3-X"]
    extra.refresh_from_db()
    assert extra.code == "E3-X"


def test_old_talk_and_session_urls_answer_301_to_the_new_ones(client):
    t = talk("E3-3")
    t.code = "E3-9"
    t.save()
    session = Session.objects.get(conference__year=2025, code="E4")
    session.code = "E40"
    session.save()

    expected = {
        "/2025/talks/E3-3/": "/2025/talks/E3-9/",
        "/2025/talks/E3-3.ics": "/2025/talks/E3-9.ics",
        "/2025/sessions/E4/": "/2025/sessions/E40/",
        "/2025/sessions/E4.ics": "/2025/sessions/E40.ics",
        "/en/2025/talks/E3-3/": "/en/2025/talks/E3-9/",
        "/en/2025/sessions/E4/": "/en/2025/sessions/E40/",
    }
    for old, new in expected.items():
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new), old
        assert client.get(new).status_code == 200, new
    # A code the year never had is still a 404; another year keeps its own codes.
    assert client.get("/2025/talks/E3-77/").status_code == 404
    assert client.get("/2024/sessions/E4/").status_code == 404
    assert CodeRedirect.objects.filter(conference__year=2024).count() == 0


def test_a_chain_of_renames_is_one_hop_to_the_latest_code(client):
    t = talk("E3-3")
    for code in ("B", "C"):
        t.code = code
        t.save()
    # Through QuerySet.update too (the spreadsheet import and bulk tools write this way).
    Talk.objects.filter(pk=t.pk).update(code="D")

    for old in ("E3-3", "B", "C"):
        response = client.get(f"/2025/talks/{old}/")
        assert (response.status_code, response["Location"]) == (301, "/2025/talks/D/")


def test_a_new_talk_taking_an_old_code_wins_over_the_redirect(client, e3):
    old = talk("E3-3")
    old.code = "E3-9"
    old.save()
    newcomer = Talk.objects.create(session=e3, code="E3-3", title="接替旧编号的新报告", position=9)

    response = client.get("/2025/talks/E3-3/")
    assert response.status_code == 200
    assert newcomer.title in response.content.decode()
    assert client.get("/2025/talks/E3-9/").status_code == 200

    # If the newcomer is renamed in turn, the old code now leads to it (its latest holder).
    newcomer.code = "E3-8"
    newcomer.save()
    assert client.get("/2025/talks/E3-3/")["Location"] == "/2025/talks/E3-8/"


def test_frab_and_ics_keep_the_talk_guid_when_its_code_changes(client, e3):
    t = talk("E3-3")
    guid = str(t.guid)
    move_to_top(e3, "E3-3")
    renumber_talks(session=e3)

    conference = conference_with_stamp(2025)
    calendar = programme_calendar(
        programme_for_conference(conference),
        absolute_url=lambda path: path,
        stamp=conference.data_changed_at,
        only=["E3-1"],
    ).decode()
    assert f"UID:{guid}@" in calendar
    frab = client.get("/2025/schedule.json").json()
    events = [
        e
        for day in frab["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    renumbered = next(e for e in events if e["guid"] == guid)
    assert renumbered["url"].endswith("/2025/talks/E3-1/")


def test_staff_renumber_from_the_session_list_and_page(staff_client, e3):
    move_to_top(e3, "E3-2")
    response = staff_client.post(
        reverse("admin:programme_session_changelist"),
        {"action": "renumber", "_selected_action": [e3.pk]},
        follow=True,
    )
    assert "E3-2 → E3-1" in response.content.decode()
    assert talk("E3-1").title.startswith("LLaDA-V")

    page = staff_client.get(reverse("admin:programme_session_change", args=[e3.pk]))
    renumber_url = reverse("admin:programme_session_renumber", args=[e3.pk])
    assert f'action="{renumber_url}"' in page.content.decode()
    assert "programme/talk-order.js" in page.content.decode()
    move_to_top(e3, "E3-3")
    staff_client.post(renumber_url)
    assert talk("E3-1").title.startswith("The Sharpness")


def test_a_contact_renumbers_only_their_own_sessions(client, e3):
    user = User.objects.create_user("wangmingze", "mingzewang@example.org", "pw")
    e3.track.editors.add(user)
    client.force_login(user)
    move_to_top(e3, "E3-3")

    page = client.get(reverse("track:programme_session_change", args=[e3.pk]))
    assert "programme/talk-order.js" in page.content.decode()
    client.post(reverse("track:programme_session_renumber", args=[e3.pk]))
    assert talk("E3-1").title.startswith("The Sharpness")

    other = Session.objects.get(conference__year=2025, code="A1")
    move_to_top(other, other.talks.order_by("position").last().code)
    before = list(other.talks.order_by("pk").values_list("code", flat=True))
    response = client.post(reverse("track:programme_session_renumber", args=[other.pk]))
    assert response.status_code == 403
    assert list(other.talks.order_by("pk").values_list("code", flat=True)) == before


def test_pages_of_current_codes_cost_no_extra_query(client, django_assert_num_queries, e3):
    """The counts of tests/test_caching.py: an old code is looked up only when the code
    is unknown, so renames leave the normal pages as they were."""
    move_to_top(e3, "E3-3")
    renumber_talks(session=e3)
    assert CodeRedirect.objects.filter(conference__year=2025).count() == 3

    with django_assert_num_queries(5):  # data version, then the year's four reads
        assert client.get("/2025/sessions/E3/").status_code == 200
    with django_assert_num_queries(2):  # + the speakers' other talks
        assert client.get("/2025/talks/E3-1/").status_code == 200
    with django_assert_num_queries(2):  # data version + the old code
        assert client.get("/2025/talks/E3-99/").status_code == 404
