import pytest
from django.contrib import admin
from django.urls import reverse

from programme.models import Conference, Session, Talk, validate_code
from tests.admin_forms import (
    add_row,
    admin_form_data,
    constraint_message,
    field_errors,
    inline_errors,
    row_prefix,
    shown,
)

pytestmark = pytest.mark.django_db

PROGRAMME_MODELS = [m for m in admin.site._registry if m._meta.app_label == "programme"]


@pytest.mark.parametrize("model", PROGRAMME_MODELS, ids=lambda m: m._meta.model_name)
def test_admin_changelist_and_add_page_load_for_staff(staff_client, model):
    opts = model._meta

    changelist = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    add = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    # Releases are made from a conference's release page, not added by hand.
    expected_add = 403 if model._meta.model_name == "release" else 200
    assert (changelist.status_code, add.status_code) == (200, expected_add)


def test_admin_registers_every_programme_model():
    names = sorted(m._meta.model_name for m in PROGRAMME_MODELS)

    assert names == [
        "committeemembership",
        "conference",
        "contact",
        "person",
        "programmeitem",
        "release",
        "room",
        "session",
        "talk",
        "track",
    ]


def test_admin_session_change_page_shows_talks_in_order(staff_client):
    session = Session.objects.get(conference__year=2025, code="A1")

    response = staff_client.get(reverse("admin:programme_session_change", args=[session.pk]))

    codes = [talk.code for talk in session.talks.order_by("position")]
    content = response.content.decode()
    positions = [content.index(f'value="{code}"') for code in codes]
    assert positions == sorted(positions)
    assert len(codes) >= 3


def test_admin_talk_search_finds_chinese_substring(staff_client):
    response = staff_client.get(reverse("admin:programme_talk_changelist"), {"q": "扩散"})

    shown = {talk.code for talk in response.context["cl"].result_list}
    expected = set(Talk.objects.filter(title__contains="扩散").values_list("code", flat=True))
    assert expected and expected <= shown


def test_admin_login_page_works(client):
    response = client.get(reverse("admin:login"))

    assert response.status_code == 200


def change_url(obj):
    return reverse(f"admin:programme_{obj._meta.model_name}_change", args=[obj.pk])


def test_admin_talk_code_with_a_slash_is_refused_on_the_talk_page(staff_client):
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    data = admin_form_data(staff_client.get(change_url(talk)))
    data["code"] = "E1/2"

    response = staff_client.post(change_url(talk), data)

    assert response.status_code == 200
    assert [e.code for e in field_errors(response, "code")] == ["invalid_code"]
    assert shown(response, validate_code.message)
    talk.refresh_from_db()
    assert talk.code == "E1-2"
    assert staff_client.get("/2025/schedule/").status_code == 200


def test_admin_session_code_and_talk_row_codes_with_a_slash_are_refused(staff_client):
    session = Session.objects.get(conference__year=2025, code="A1")
    talk = session.talks.order_by("position").first()
    data = admin_form_data(staff_client.get(change_url(session)))
    prefix = row_prefix(data, talk.pk)
    formset = prefix.rsplit("-", 1)[0]
    new_row = f"{formset}-{data[f'{formset}-TOTAL_FORMS']}"
    data["code"] = "A1/1"
    data[f"{prefix}-code"] = "E1/2"
    add_row(data, formset, position="9", code="A1/9", title="新报告")

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert [e.code for e in field_errors(response, "code")] == ["invalid_code"]
    rows = {(row, name, error.code) for row, name, error in inline_errors(response)}
    assert rows == {(prefix, "code", "invalid_code"), (new_row, "code", "invalid_code")}
    assert shown(response, validate_code.message)
    assert Session.objects.filter(conference__year=2025, code="A1").exists()
    assert not Talk.objects.filter(code__contains="/").exists()
    assert staff_client.get("/2025/schedule/").status_code == 200


def test_admin_existing_talk_code_in_a_new_session_row_is_a_form_error(staff_client):
    session = Session.objects.get(conference__year=2025, code="A1")
    count = session.talks.count()
    data = admin_form_data(staff_client.get(change_url(session)))
    formset = row_prefix(data, session.talks.first().pk).rsplit("-", 1)[0]
    add_row(data, formset, position="9", code="B1-1", title="同号报告")

    response = staff_client.post(change_url(session), data)

    assert response.status_code == 200
    assert shown(response, constraint_message(Talk, "talk_code_unique_per_conference"))
    assert session.talks.count() == count


def test_admin_new_talk_is_offered_every_years_sessions_by_year_and_takes_its_sessions_year(
    staff_client,
):
    add_url = reverse("admin:programme_talk_add")
    page = staff_client.get(add_url)
    e1 = Session.objects.get(conference__year=2025, code="E1")
    data = admin_form_data(page)
    data.update(session=str(e1.pk), code="E1-9", position="9", title="新报告")

    response = staff_client.post(add_url, data)

    labels = [label for pk, label in page.context["adminform"].form.fields["session"].choices if pk]
    years = [int(label.split(" · ")[0]) for label in labels]
    assert "2025 · E1 AI 理论 (I)" in labels
    assert years == sorted(years, reverse=True) and set(years) == {2025, 2024, 2022}
    assert response.status_code == 302
    assert Talk.objects.get(code="E1-9", session=e1).conference.year == 2025


def test_admin_talk_page_offers_only_its_years_sessions(staff_client):
    talk = Talk.objects.get(conference__year=2024, code="D1-2")

    form = staff_client.get(change_url(talk)).context["adminform"].form

    offered = {pk.value for pk, _label in form.fields["session"].choices if pk}
    assert offered == set(
        Session.objects.filter(conference__year=2024).values_list("pk", flat=True)
    )


def test_invitation_form_names_tracks_and_sessions_with_their_year_latest_first(staff_client):
    form = staff_client.get(reverse("admin:programme_track_invite")).context["form"]

    tracks = [label for _pk, label in form.fields["tracks"].choices]
    sessions = [label for _pk, label in form.fields["sessions"].choices]

    assert tracks[:2] == ["2025 · 分会报告", "2025 · 学生分会"]
    assert tracks[-1].startswith("2022 · ")
    assert "2025 · E1 AI 理论 (I)" in sessions
    assert sessions[0].startswith("2025 · ") and sessions[-1].startswith("2022 · ")


def test_conference_dates_that_would_leave_sessions_outside_are_refused(staff_client):
    conference = Conference.objects.get(year=2025)
    url = reverse("admin:programme_conference_change", args=[conference.pk])
    data = admin_form_data(staff_client.get(url))
    data["end_date"] = "2025-08-09"  # the sessions of 10 August would be on no day

    response = staff_client.post(url, data)

    errors = response.context["adminform"].form.non_field_errors().as_data()
    assert [error.code for error in errors] == ["programme_outside_dates"]
    assert response.content.decode().count(errors[0].messages[0]) == 1
    conference.refresh_from_db()
    assert conference.end_date.isoformat() == "2025-08-10"
