import pytest
from django.contrib import admin
from django.urls import reverse

from programme.models import Session, Talk

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
