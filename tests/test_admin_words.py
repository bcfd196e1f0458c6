"""The Chinese staff admin and /track/ speak Chinese: the third-party strings that reach
users (Django's admin, django-import-export, django-axes, django-simple-history) are
translated in the project's catalogue where their own are wrong or missing, and the
project's catalogues have no untranslated or fuzzy entries."""

import json
import re
from pathlib import Path

import pytest

from programme.models import Conference, Room, Session

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parent.parent / "locale"

# What a user saw on these pages before they were translated (issue 15, finding 7).
UNTRANSLATED = (
    "Forgotten your login credentials?",
    "Select all",
    "by selecting them",
    "某些行验数据证失败",
    "Access attempts",
    "Access failures",
    "Access logs",
    "Axes",
    "Attempt Time",
    "IP Address",
)


def chinese(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def page_text(response):
    assert response.status_code == 200, response
    return response.content.decode()


def assert_chinese(text, where):
    shown = [string for string in UNTRANSLATED if string in text]
    assert not shown, f"{where} shows {shown}"


@pytest.mark.parametrize("url", ["/admin/login/", "/track/login/"])
def test_sign_in_pages_are_in_chinese(client, url):
    text = page_text(chinese(client).get(url))

    assert "忘记了用户名或密码？" in text
    assert_chinese(text, url)


def test_staff_pages_are_in_chinese(staff_client):
    session = Session.objects.get(conference__year=2025, code="E1")
    conference = Conference.objects.get(year=2025)
    client = chinese(staff_client)
    pages = {
        "export": "/admin/programme/talk/export/",
        "import": "/admin/programme/talk/import/",
        "index": "/admin/",
        "axes attempts": "/admin/axes/accessattempt/",
        "axes failures": "/admin/axes/accessfailurelog/",
        "axes logs": "/admin/axes/accesslog/",
        "session": f"/admin/programme/session/{session.pk}/change/",
        "release": f"/admin/programme/conference/{conference.pk}/release/",
    }
    for where, url in pages.items():
        assert_chinese(page_text(client.get(url)), where)


def test_filter_horizontal_help_is_in_chinese(staff_client):
    """The session page's "editors" selector is written by Django's JavaScript, in the
    words of the admin's JavaScript catalogue."""
    script = page_text(chinese(staff_client).get("/admin/jsi18n/"))
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S).group(1))

    for msgid in (
        'Choose %s by selecting them and then select the "Choose" arrow button.',
        'Remove %s by selecting them and then select the "Remove" arrow button.',
        "Choose all %s",
        "Remove all %s",
    ):
        assert "%s" in catalogue[msgid] and "select" not in catalogue[msgid], msgid


def test_history_without_a_reason_shows_it_empty(staff_client):
    session = Session.objects.get(conference__year=2025, code="E1")
    session.topic = "新的主题"
    session.save()
    assert session.history.filter(history_change_reason=None).exists()

    text = page_text(chinese(staff_client).get(f"/admin/programme/session/{session.pk}/history/"))

    assert "修改原因" in text
    assert "None" not in text
    assert "Changes" not in text


def test_release_name_is_not_a_persons_name(staff_client):
    conference = Conference.objects.get(year=2025)
    client = chinese(staff_client)
    text = page_text(client.get(f"/admin/programme/conference/{conference.pk}/release/"))

    label = re.search(r'<label[^>]*for="id_name"[^>]*>([^<]*)<', text).group(1)
    assert "版本名称" in label
    # The list of releases and a release's page name it the same way.
    client.post(f"/admin/programme/conference/{conference.pk}/release/", {"name": "v1"})
    release = conference.releases.get(name="v1")
    for url in ("/admin/programme/release/", f"/admin/programme/release/{release.pk}/change/"):
        text = page_text(client.get(url))
        assert "版本名称" in text and "姓名" not in text, url


def test_import_errors_heading_reads_correctly():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Some rows failed to validate") == "部分行未通过验证"


# --- the catalogues --------------------------------------------------------------------


def po_entries(path):
    """(msgctxt, msgid, msgstrs, fuzzy) of each live entry; obsolete ones (#~) skipped.
    Written for the files makemessages writes: entries separated by blank lines."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#~") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            keyword = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if keyword:
                current = keyword.group(1)
                fields[current] = keyword.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if "msgid" in fields:
            msgstrs = [value for key, value in fields.items() if key.startswith("msgstr")]
            yield fields.get("msgctxt"), fields["msgid"], msgstrs, fuzzy


CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def test_the_catalogues_are_found():
    names = {path.relative_to(LOCALE).as_posix() for path in CATALOGUES}
    assert {"zh_Hans/LC_MESSAGES/django.po", "en/LC_MESSAGES/django.po"} <= names


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(LOCALE)))
def test_catalogue_has_no_fuzzy_or_untranslated_entries(path):
    entries = list(po_entries(path))
    assert len(entries) > 1
    # The header (msgid "") may be fuzzy as makemessages writes it; no entry may.
    fuzzy = [msgid for _, msgid, _, is_fuzzy in entries if msgid and is_fuzzy]
    # English is the source language: an empty msgstr there means "as the msgid".
    untranslated = (
        [(context, msgid) for context, msgid, msgstrs, _ in entries if msgid and not all(msgstrs)]
        if path.parts[-3] != "en"
        else []
    )

    assert not fuzzy, f"fuzzy in {path.name}: {fuzzy}"
    assert not untranslated, f"untranslated in {path.name}: {untranslated}"


def test_a_room_has_a_name_not_a_persons_name(staff_client):
    room = Room.objects.filter(conference__year=2025).first()

    text = page_text(chinese(staff_client).get(f"/admin/programme/room/{room.pk}/change/"))

    label = re.search(r'<label[^>]*for="id_name"[^>]*>([^<]*)<', text).group(1)
    assert label.startswith("名称")
