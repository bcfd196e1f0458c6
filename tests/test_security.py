"""Security: hostile text in every public field, CSRF on every form, sign-in throttling,
draft years that stay invisible, security headers and the production settings.

The hostile data is one fixture that fills every field the public sees at once (2025:
session A1, talk A1-1 and its speaker, the chair of A1, its room and track, a contact,
a committee member, the opening item and its host, a host organisation and the
conference itself); the page checks then only read.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import icalendar
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape

from programme import services
from programme.models import (
    CommitteeMembership,
    Conference,
    Contact,
    ItemHost,
    Person,
    ProgrammeItem,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
)
from programme.text import xml_safe
from tests.conftest import YEAR_HTML_PAGES
from tests.test_track_contacts import admin_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Sign-in tests hash a password per attempt: a cheap hasher keeps them fast (what is
    tested is the counting of failures, not the hash)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '" onmouseover="alert(1)'
IMG = "'><img src=x onerror=alert(1)>"
MARKUP = SCRIPT + ATTRIBUTE + IMG  # 79 characters: fits every 100-character field
TEX_TEXT = r"$\text{<script>alert(1)</script>}$"  # latex2mathml copies \text{} unescaped
TEX_HREF = r"$\href{javascript:alert(1)}{x}$"  # latex2mathml makes <mrow href="...">
CONTROL = "\x07\u202e"  # BEL (not allowed in XML 1.0), RIGHT-TO-LEFT OVERRIDE
LONG = "很长的摘要。" * 2_000  # 12,000 characters
RAW_INJECTIONS = (SCRIPT, ATTRIBUTE, "<img src=x onerror=alert(1)>", "<script>")
JAVASCRIPT_URLS = (
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "javascript://%0aalert(1)",  # "://" in it: passes a naive "is it a web address" test
    "data:text/html,<script>alert(1)</script>",
)
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


# ---------------------------------------------------------------------------
# Reading pages: what the browser would build from the HTML.


class Markup(HTMLParser):
    """Every element with its attributes, and the text of every <script>."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self._in_script = attributes
            self.scripts.append((attributes, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)


def url_scheme_is_dangerous(url: str) -> bool:
    """As a browser reads a link: leading spaces and controls dropped, tabs and newlines
    removed anywhere, scheme case-insensitive."""
    cleaned = re.sub(r"[\t\n\r]", "", url).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c")
    cleaned = re.sub(r"^[\x00-\x20]+", "", cleaned).lower()
    return cleaned.startswith(DANGEROUS_SCHEMES)


def injection_problems(html: str) -> list[str]:
    """What in `html` would run or load attacker-chosen code; empty when all is data."""
    problems = [f"raw {raw!r}" for raw in RAW_INJECTIONS if raw in html]
    markup = Markup(html)
    for tag, attributes in markup.elements:
        for name, value in attributes.items():
            if name.startswith("on"):
                problems.append(f"<{tag} {name}=...>")
            if name in URL_ATTRIBUTES and url_scheme_is_dangerous(value):
                problems.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and attributes.get("src") == "x":
            problems.append("<img src=x>")
    for attributes, text in markup.scripts:
        if "alert(" in text and attributes.get("type") != "application/json":
            problems.append(f"script {text[:60]!r}")
    return problems


def dangerous_links(html: str) -> list[str]:
    return [
        value
        for _, attributes in Markup(html).elements
        for name, value in attributes.items()
        if name in URL_ATTRIBUTES and url_scheme_is_dangerous(value)
    ]


@pytest.mark.parametrize(
    "html",
    [
        f"<p>{SCRIPT}</p>",
        '<a title="" onmouseover="alert(1)">x</a>',
        "<p>'><img src=x onerror=alert(1)></p>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JavaScript:alert(1)">x</a>',
        '<a href="java&#9;script:alert(1)">x</a>',
        '<math><mrow href="javascript:alert(1)"><mi>x</mi></mrow></math>',
        "<script>alert(1)</script>",
    ],
)
def test_injection_check_catches_what_it_is_for(html):
    assert injection_problems(html) != []


def test_injection_check_passes_escaped_text():
    html = f'<p title="{escape(MARKUP)}">{escape(MARKUP)}</p><a href="https://example.org">x</a>'

    assert injection_problems(html) == []


def text_of(response) -> str:
    return response.content.decode()


def optional_url(name: str, *args) -> list[str]:
    """Pages being added while this suite is written (schedule changes): checked once
    their URL exists."""
    try:
        return [reverse(name, args=args)]
    except NoReverseMatch:
        return []


# ---------------------------------------------------------------------------
# The hostile data.


def hostile_line(tag: str, max_length: int | None, control: bool) -> str:
    """The markup payload with a tag naming the field, cut down for short fields."""
    tail = (CONTROL if control else "") + tag
    for candidate in (MARKUP + tail, IMG + tail, IMG):
        if max_length is None or len(candidate) <= max_length:
            return candidate
    raise AssertionError(f"no payload fits {max_length} characters")


def hostile_rich(tag: str, control: bool) -> str:
    """Abstracts, bios, introductions: markup, smuggling LaTeX, 12,000 more characters."""
    return f"{MARKUP}{TEX_TEXT}{TEX_HREF}{CONTROL if control else ''}{tag}\n\n{LONG}"


RICH_FIELDS = {"conference.intro_zh", "conference.intro_en", "talk.abstract", "talkspeaker.bio"}


def fill_hostile(*, control: bool) -> dict:
    """Hostile text in every field the public sees; returns the objects and
    `values[model.field]`."""
    conference = Conference.objects.get(year=2025)
    session = Session.objects.select_related("room", "track").get(conference=conference, code="A1")
    talk = Talk.objects.get(conference=conference, code="A1-1")
    speaker = TalkSpeaker.objects.select_related("person").filter(talk=talk).first()
    chair = SessionChair.objects.filter(session=session).first()
    item = ProgrammeItem.objects.get(conference=conference, kind="opening", room__isnull=False)
    host = ItemHost.objects.filter(item=item).first()
    contact = Contact.objects.filter(conference=conference).first()
    member = CommitteeMembership.objects.filter(conference=conference).first()
    organisation = conference.organisations.filter(role="host").first()
    objects = {
        "conference": conference,
        "organisation": organisation,
        "room": session.room,
        "track": session.track,
        "contact": contact,
        "person": speaker.person,
        "committeemembership": member,
        "programmeitem": item,
        "itemhost": host,
        "session": session,
        "talk": talk,
        "talkspeaker": speaker,
        "sessionchair": chair,
    }
    fields = {
        "conference": (
            "name_zh",
            "name_en",
            "short_name",
            "registration_times",
            "registration_times_en",
            "venue",
            "venue_en",
            "address",
            "address_en",
            "website",
            "livestream",
            "hotel_name",
            "hotel_website",
            "hotel_phone",
            "intro_zh",
            "intro_en",
        ),
        "organisation": ("name", "name_en"),
        "room": ("name", "name_en"),
        "track": ("name_zh", "name_en"),
        "contact": ("name", "email", "phone", "role", "role_en"),
        "person": ("name", "name_en", "homepage"),
        "committeemembership": ("title", "title_en", "affiliation"),
        "programmeitem": ("title", "title_en", "description", "description_en"),
        "itemhost": ("affiliation",),
        "session": ("topic", "meeting"),
        "talk": ("title", "abstract"),
        "talkspeaker": ("affiliation", "bio"),
        "sessionchair": ("affiliation",),
    }
    values = {}
    for model_name, names in fields.items():
        obj = objects[model_name]
        for name in names:
            key = f"{model_name}.{name}"
            tag = f"#{len(values):02d}"
            if key in RICH_FIELDS:
                value = hostile_rich(tag, control)
            else:
                value = hostile_line(tag, obj._meta.get_field(name).max_length, control)
            setattr(obj, name, value)
            values[key] = value
        obj.save()
    return {"values": values, **objects}


@pytest.fixture
def hostile():
    return fill_hostile(control=True)


@pytest.fixture
def printable_hostile():
    return fill_hostile(control=False)


def escaped_forms(value: str, *, rich: bool) -> list[str]:
    """What must appear in the HTML for `value`: its escaped text (the first paragraph
    and the long one of a rich text, which become two <p>)."""
    if rich:
        first, rest = value.split("\n\n", 1)
        return [escape(first), escape(rest)]
    return [escape(value)]


# Which of the hostile fields each public page shows.
PAGE_FIELDS = {
    "home": (
        "conference.name_zh",
        "conference.name_en",
        "conference.short_name",
        "conference.registration_times",
        "conference.venue",
        "conference.address",
        "conference.livestream",
        "conference.intro_zh",
        "conference.intro_en",
        "organisation.name",
        "programmeitem.title",
    ),
    "schedule": (
        "conference.name_zh",
        "conference.venue",
        "track.name_zh",
        "room.name",
        "session.topic",
        "talk.title",
        "person.name",
        "programmeitem.title",
        "programmeitem.description",
    ),
    "session": (
        "session.topic",
        "session.meeting",
        "room.name",
        "track.name_zh",
        "sessionchair.affiliation",
        "talk.title",
        "talk.abstract",
        "person.name",
        "talkspeaker.affiliation",
    ),
    "talk": (
        "talk.title",
        "talk.abstract",
        "person.name",
        "talkspeaker.affiliation",
        "talkspeaker.bio",
        "room.name",
        "session.topic",
        "session.meeting",
    ),
    "abstracts": (
        "conference.name_zh",
        "session.topic",
        "room.name",
        "talk.title",
        "talk.abstract",
        "person.name",
        "talkspeaker.affiliation",
    ),
    "speakers": (
        "conference.name_zh",
        "person.name",
        "talkspeaker.affiliation",
        "programmeitem.title",
    ),
    "organisation": (
        "conference.name_zh",
        "committeemembership.title",
        "committeemembership.affiliation",
        "organisation.name",
    ),
    "contacts": (
        "conference.name_zh",
        "conference.venue",
        "conference.address",
        "conference.registration_times",
        "conference.website",
        "conference.livestream",
        "conference.hotel_name",
        "conference.hotel_website",
        "conference.hotel_phone",
        "contact.name",
        "contact.email",
        "contact.phone",
        "contact.role",
    ),
    "person": ("person.name", "person.homepage", "talk.title", "talkspeaker.affiliation"),
    "archive": ("conference.name_zh", "conference.venue"),
}


# What English pages show instead (programme/localized.py): a field's English form.
ENGLISH_FORMS = {
    "conference.name_zh": "conference.name_en",
    "conference.intro_zh": "conference.intro_en",
    "conference.registration_times": "conference.registration_times_en",
    "conference.venue": "conference.venue_en",
    "conference.address": "conference.address_en",
    "organisation.name": "organisation.name_en",
    "room.name": "room.name_en",
    "track.name_zh": "track.name_en",
    "contact.role": "contact.role_en",
    "committeemembership.title": "committeemembership.title_en",
    "programmeitem.title": "programmeitem.title_en",
    "programmeitem.description": "programmeitem.description_en",
}


def shown_fields(page: str, prefix: str) -> list[str]:
    """The hostile fields `page` shows in the language of `prefix`."""
    if not prefix:
        return list(PAGE_FIELDS[page])
    return list(dict.fromkeys(ENGLISH_FORMS.get(key, key) for key in PAGE_FIELDS[page]))


def both(values: dict, key: str) -> str:
    """What the one-file exports (frab, calendars) write: the Chinese, then the English."""
    return f"{values[key]} {values[ENGLISH_FORMS[key]]}"


def public_url(page: str, data: dict) -> str:
    year = data["conference"].year
    if page in ("session", "talk", "person"):
        return data[page].get_absolute_url()
    if page == "archive":
        return reverse("programme:archive")
    name = "conference-home" if page == "home" else page
    return reverse(f"programme:{name}", args=[year])


def missing_escaped(html: str, values: dict, keys) -> list[str]:
    return [
        key
        for key in keys
        for form in escaped_forms(values[key], rich=key in RICH_FIELDS)
        if form not in html
    ]


# ---------------------------------------------------------------------------
# 1. Hostile text on public pages.


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("page", PAGE_FIELDS)
def test_public_page_shows_hostile_text_escaped(client, hostile, page, prefix):
    url = prefix + public_url(page, hostile)

    response = client.get(url)

    html = text_of(response)
    assert response.status_code == 200
    assert injection_problems(html) == []
    assert missing_escaped(html, hostile["values"], shown_fields(page, prefix)) == []
    assert escape(SCRIPT) in html


def test_rich_text_keeps_smuggling_latex_as_escaped_source(client, hostile):
    response = client.get(hostile["talk"].get_absolute_url())

    html = text_of(response)
    assert escape(TEX_TEXT) in html
    assert escape(TEX_HREF) in html
    assert "<mtext><script>" not in html
    assert 'href="javascript:' not in html


def test_search_reflects_the_query_and_results_escaped(client, hostile):
    response = client.get(reverse("programme:search"), {"q": SCRIPT})

    html = text_of(response)
    talks = [t.code for t in response.context["results"].talks]
    assert "A1-1" in talks
    assert injection_problems(html) == []
    assert f'value="{escape(SCRIPT)}"' in html
    assert f"<mark>{escape(SCRIPT)}</mark>" in html


@pytest.mark.parametrize("query", [ATTRIBUTE, IMG, "#14", "\u202e"])
def test_search_for_attribute_breakers_stays_data(client, hostile, query):
    response = client.get("/en/search/", {"q": query})

    html = text_of(response)
    assert response.status_code == 200
    assert injection_problems(html) == []
    assert f'value="{escape(query)}"' in html


def released_then_hostile(*, control: bool) -> dict:
    """A release of 2025, then hostile data: the changes page lists old and new titles."""
    if not hasattr(services, "release_schedule") or not optional_url("programme:changes", 2025):
        pytest.skip("no schedule releases in this version")
    conference = Conference.objects.get(year=2025)
    services.release_schedule(conference=conference, name="v1 <b>bold</b>")
    data = fill_hostile(control=control)
    services.release_schedule(conference=conference, name="v2 <script>alert(1)</script>")
    return data


def test_changes_page_and_feed_show_hostile_titles_as_text(client):
    data = released_then_hostile(control=False)

    page = client.get(reverse("programme:changes", args=[2025]))
    feed = client.get(reverse("programme:changes-feed", args=[2025]))

    html = text_of(page)
    assert injection_problems(html) == []
    assert escape(data["values"]["talk.title"]) in html
    assert escape("v1 <b>bold</b>") in html
    assert escape("v2 <script>alert(1)</script>") in html
    items = ET.fromstring(feed.content).findall("channel/item")
    assert data["values"]["talk.title"] in items[0].findtext("description")


def test_changes_feed_survives_control_characters(client):
    released_then_hostile(control=True)
    client.raise_request_exception = False

    feed = client.get(reverse("programme:changes-feed", args=[2025]))

    assert feed.status_code == 200


# ---------------------------------------------------------------------------
# Links from URL fields.


@pytest.mark.parametrize(
    ("model_name", "field", "pages"),
    [
        pytest.param("conference", "website", ["contacts"]),
        pytest.param("conference", "hotel_website", ["contacts"]),
        pytest.param("conference", "livestream", ["home", "contacts"]),
        pytest.param("person", "homepage", ["person"]),
    ],
)
def test_url_field_never_becomes_a_javascript_link(client, model_name, field, pages):
    conference = Conference.objects.get(year=2025)
    person = Talk.objects.get(conference=conference, code="A1-1").speakers.first()
    target = {"conference": conference, "person": person}[model_name]
    data = {"conference": conference, "person": person}
    found = {}

    for value in JAVASCRIPT_URLS:
        type(target).objects.filter(pk=target.pk).update(**{field: value})
        for page in pages:
            links = dangerous_links(text_of(client.get(public_url(page, data))))
            if links:
                found[value, page] = links

    assert found == {}


def test_safe_web_addresses_stay_links(client):
    """The other side of the check above: http(s) and bare host names are linked."""
    Conference.objects.filter(year=2025).update(
        website="csml.example.org", livestream="https://live.example.org/csml"
    )

    html = text_of(client.get(reverse("programme:contacts", args=[2025])))

    assert 'href="https://csml.example.org"' in html
    assert 'href="https://live.example.org/csml"' in html


def test_admin_refuses_javascript_addresses_for_the_conference(staff_client):
    conference = Conference.objects.get(year=2025)
    url = reverse("admin:programme_conference_change", args=[conference.pk])
    Conference.objects.filter(pk=conference.pk).update(
        website="https://csml.example.org",
        livestream="https://live.example.org",
        hotel_website="https://hotel.example.org",
    )
    data = admin_form_data(staff_client.get(url))
    data.update(
        website="javascript://%0aalert(1)",
        livestream="javascript:alert(1)",
        hotel_website="javascript:alert(1)",
    )

    response = staff_client.post(url, data)

    conference.refresh_from_db()
    assert [conference.website, conference.livestream, conference.hotel_website] == [
        "https://csml.example.org",
        "https://live.example.org",
        "https://hotel.example.org",
    ]
    assert response.status_code == 200


# ---------------------------------------------------------------------------
# Exports: the hostile text comes back as data.


def frab_events(document: dict) -> list[dict]:
    return [
        event
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    ]


def test_frab_json_returns_hostile_text_as_data(client, hostile):
    values = hostile["values"]

    response = client.get(reverse("programme:schedule-json", args=[2025]))

    document = json.loads(response.content)
    conference = document["schedule"]["conference"]
    events = {event["guid"]: event for event in frab_events(document)}
    talk = events[str(hostile["talk"].guid)]
    item = next(e for e in events.values() if e["title"] == both(values, "programmeitem.title"))
    assert conference["title"] == both(values, "conference.name_zh")
    assert both(values, "track.name_zh") in [t["name"] for t in conference["tracks"]]
    assert both(values, "room.name") in [r["name"] for r in conference["rooms"]]
    assert (talk["title"], talk["abstract"], talk["room"]) == (
        values["talk.title"],
        values["talk.abstract"],
        both(values, "room.name"),
    )
    assert talk["persons"][0]["name"] == values["person.name"]
    assert talk["persons"][0]["biography"] == values["talkspeaker.bio"]
    for key in ("session.topic", "session.meeting", "sessionchair.affiliation"):
        assert values[key] in talk["description"], key
    assert values["talkspeaker.affiliation"] in talk["description"]
    assert both(values, "programmeitem.description") in item["description"]
    assert values["itemhost.affiliation"] in item["description"]


def check_frab_xml(content: bytes, data: dict) -> None:
    # XML 1.0 cannot carry control characters: the export drops them, keeps the rest.
    values = {key: xml_safe(value) for key, value in data["values"].items()}
    root = ET.fromstring(content)
    event = root.find(f".//event[@guid='{data['talk'].guid}']")
    assert root.findtext("conference/title") == both(values, "conference.name_zh")
    assert both(values, "track.name_zh") in [t.get("name") for t in root.iter("track")]
    assert event.findtext("title") == values["talk.title"]
    assert event.findtext("abstract") == values["talk.abstract"]
    assert event.findtext("room") == both(values, "room.name")
    assert event.findtext("persons/person") == values["person.name"]
    assert values["session.topic"] in event.findtext("description")
    assert both(values, "room.name") in [room.get("name") for room in root.iter("room")]
    assert list(root.iter("script")) == [] and list(root.iter("img")) == []


def test_frab_xml_returns_hostile_markup_as_text(client, printable_hostile):
    response = client.get(reverse("programme:schedule-xml", args=[2025]))

    check_frab_xml(response.content, printable_hostile)


def test_frab_xml_survives_control_characters(client, hostile):
    response = client.get(reverse("programme:schedule-xml", args=[2025]))

    check_frab_xml(response.content, hostile)


def test_calendar_returns_hostile_text_as_data(client, hostile):
    values = hostile["values"]

    response = client.get(reverse("programme:schedule-ics", args=[2025]))

    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    talk = next(e for uid, e in events.items() if uid.startswith(str(hostile["talk"].guid)))
    item = next(
        e for e in events.values() if str(e["summary"]) == both(values, "programmeitem.title")
    )
    assert str(talk["summary"]).startswith(values["talk.title"])
    assert str(talk["location"]) == both(values, "room.name")
    assert values["talk.abstract"] in str(talk["description"])
    assert str(item["description"]) == both(values, "programmeitem.description")


def test_calendar_line_breaks_cannot_add_properties_or_events(client):
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    before = icalendar.Calendar.from_ical(client.get("/2025/schedule.ics").content)
    talk.title = "T\r\nX-INJECTED:1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:fake"
    talk.abstract = "A\nEND:VCALENDAR\nBEGIN:VCALENDAR"
    talk.save()

    calendar = icalendar.Calendar.from_ical(client.get("/2025/schedule.ics").content)

    events = calendar.walk("VEVENT")
    assert len(events) == len(before.walk("VEVENT"))
    assert all("X-INJECTED" not in event for event in events)
    titles = [str(e["summary"]) for e in events]
    assert any(t.startswith("T\nX-INJECTED:1\nEND:VEVENT") for t in titles)


# ---------------------------------------------------------------------------
# Hostile text in the staff admin and the track contacts' admin.


@pytest.fixture
def contact_client(client):
    contact = User.objects.create_user("contact", "contact@example.org", "pw-contact-1")
    Session.objects.get(conference__year=2025, code="A1").editors.add(contact)
    client.force_login(contact)
    return client


ADMIN_PAGES = {
    "conference": ("change", "changelist"),
    "room": ("change", "changelist"),
    "track": ("change", "changelist"),
    "contact": ("change", "changelist"),
    "person": ("change", "changelist"),
    "committeemembership": ("change", "changelist"),
    "programmeitem": ("change", "changelist"),
    "session": ("change", "changelist", "history"),
    "talk": ("change", "changelist", "history"),
}


@pytest.mark.parametrize(
    ("model_name", "view"),
    [(model, view) for model, views in ADMIN_PAGES.items() for view in views],
)
def test_admin_page_shows_hostile_text_escaped(staff_client, hostile, model_name, view):
    obj = hostile[model_name]
    args = [] if view == "changelist" else [obj.pk]
    url = reverse(f"admin:programme_{model_name}_{view}", args=args)

    response = staff_client.get(url)

    html = text_of(response)
    assert response.status_code == 200
    assert injection_problems(html) == []
    if view == "change":
        own = [key for key in hostile["values"] if key.startswith(f"{model_name}.")]
        assert [k for k in own if escape(hostile["values"][k]) not in html] == []


def test_admin_inlines_and_dashboard_show_hostile_text_escaped(staff_client, hostile):
    values = hostile["values"]
    conference_page = staff_client.get(
        reverse("admin:programme_conference_change", args=[hostile["conference"].pk])
    )
    session_page = staff_client.get(
        reverse("admin:programme_session_change", args=[hostile["session"].pk])
    )
    talk_page = staff_client.get(reverse("admin:programme_talk_change", args=[hostile["talk"].pk]))
    extra = [
        staff_client.get(url)
        for url in optional_url("admin:programme_conference_dashboard", hostile["conference"].pk)
    ]

    pages = [conference_page, session_page, talk_page, *extra]
    assert [injection_problems(text_of(p)) for p in pages] == [[] for _ in pages]
    for key in ("organisation.name", "room.name", "track.name_zh", "contact.name"):
        assert escape(values[key]) in text_of(conference_page), key
    assert escape(values["sessionchair.affiliation"]) in text_of(session_page)
    assert escape(values["talk.title"]) in text_of(session_page)
    assert escape(values["talkspeaker.bio"]) in text_of(talk_page)


@pytest.mark.parametrize(
    ("model_name", "view"),
    [("session", "change"), ("session", "changelist"), ("talk", "change"), ("talk", "changelist")],
)
def test_track_admin_page_shows_hostile_text_escaped(contact_client, hostile, model_name, view):
    obj = hostile[model_name]
    args = [] if view == "changelist" else [obj.pk]

    response = contact_client.get(reverse(f"track:programme_{model_name}_{view}", args=args))

    html = text_of(response)
    assert response.status_code == 200
    assert injection_problems(html) == []
    assert (
        escape(hostile["values"][f"{model_name}.{'topic' if model_name == 'session' else 'title'}"])
        in html
    )


def test_concurrent_edit_message_shows_hostile_titles_escaped(contact_client, hostile):
    talk = hostile["talk"]
    url = reverse("track:programme_talk_change", args=[talk.pk])
    mine = admin_form_data(contact_client.get(url))
    theirs = admin_form_data(contact_client.get(url))
    theirs["title"] = "<img src=x onerror=alert(2)>" + SCRIPT
    contact_client.post(url, theirs)
    mine["abstract"] = "mine"

    response = contact_client.post(url, mine)

    html = text_of(response)
    assert response.status_code == 200
    assert "edited_meanwhile" in [
        e.code for e in response.context["adminform"].form.non_field_errors().as_data()
    ]
    assert injection_problems(html.replace("alert(2)", "alert(1)")) == []
    assert escape("<img src=x onerror=alert(2)>" + SCRIPT) in html


# ---------------------------------------------------------------------------
# NUL: PostgreSQL text cannot hold it; the site must say so, not fail.


def test_admin_form_refuses_nul_with_a_message(staff_client):
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    url = reverse("admin:programme_talk_change", args=[talk.pk])
    data = admin_form_data(staff_client.get(url))
    data["title"] = "before\x00after"

    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "title" in response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert "\x00" not in talk.title


def test_track_login_refuses_nul_in_the_user_name(client):
    response = client.post(reverse("track:login"), {"username": "a\x00b", "password": "x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/en/search/?q=a%00b",
        "/2025/sessions/%00/",
        "/2025/talks/%00/",
        "/2025/talks/A1-1%00/",
    ],
)
def test_nul_in_public_urls_is_not_a_server_error(url):
    client = Client(raise_request_exception=False)

    response = client.get(url, follow=True)  # a search drops the NUL: 301 to the clean query

    assert response.status_code in (200, 404)
    assert all("%00" not in target for target, _ in response.redirect_chain)


@pytest.mark.parametrize(
    "url", ["/2025/sessions/%00.ics", "/2025/talks/%00.ics", "/people/%00/", "/2025%00/"]
)
def test_nul_in_calendar_and_person_urls_is_404(url):
    client = Client(raise_request_exception=False)

    response = client.get(url)

    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/admin/programme/talk/?q=%00", "/admin/programme/person/?q=%00"])
def test_nul_in_admin_search_is_not_a_server_error(staff_client, url):
    staff_client.raise_request_exception = False

    response = staff_client.get(url)

    assert response.status_code in (200, 400)


# ---------------------------------------------------------------------------
# 2. CSRF on every form.


@pytest.fixture
def accounts():
    staff = User.objects.create_superuser("root", "root@example.org", "pw-root-12345")
    contact = User.objects.create_user("contact", "contact@example.org", "pw-contact-12345")
    Session.objects.get(conference__year=2025, code="A1").editors.add(contact)
    return {"staff": staff, "contact": contact}


def csrf_case(name, accounts):
    """(user to sign in, url, form data) of each form."""
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    session = Session.objects.get(conference__year=2025, code="A1")
    conference = Conference.objects.get(year=2025)
    return {
        "admin login": (None, reverse("admin:login"), {"username": "root", "password": "x"}),
        "track login": (None, reverse("track:login"), {"username": "contact", "password": "x"}),
        "password reset": (None, "/accounts/password_reset/", {"email": "root@example.org"}),
        "admin talk change": (
            accounts["staff"],
            reverse("admin:programme_talk_change", args=[talk.pk]),
            {"title": "changed", "code": talk.code},
        ),
        "admin conference change": (
            accounts["staff"],
            reverse("admin:programme_conference_change", args=[conference.pk]),
            {"name_zh": "changed"},
        ),
        "admin invite": (
            accounts["staff"],
            reverse("admin:programme_track_invite"),
            {"name": "x", "email": "x@example.org"},
        ),
        "admin logout": (accounts["staff"], reverse("admin:logout"), {}),
        "track session change": (
            accounts["contact"],
            reverse("track:programme_session_change", args=[session.pk]),
            {"topic": "changed"},
        ),
        "track talk change": (
            accounts["contact"],
            reverse("track:programme_talk_change", args=[talk.pk]),
            {"title": "changed"},
        ),
        "track logout": (accounts["contact"], reverse("track:logout"), {}),
        "public page": (None, "/2025/", {}),
        "set language": (None, "/i18n/setlang/", {"language": "en"}),
    }[name]


CSRF_FORMS = (
    "admin login",
    "track login",
    "password reset",
    "admin talk change",
    "admin conference change",
    "admin invite",
    "admin logout",
    "track session change",
    "track talk change",
    "track logout",
    "public page",
    "set language",
)


@pytest.mark.parametrize("name", CSRF_FORMS)
def test_post_without_csrf_token_is_refused(accounts, name):
    user, url, data = csrf_case(name, accounts)
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)

    response = client.post(url, data)

    if name == "set language":
        # No set-language view: the language is in the path (/en/...), links only.
        assert response.status_code in (403, 404)
    else:
        assert response.status_code == 403
        assert b"CSRF" in response.content


@pytest.mark.parametrize(
    "name", ["admin login", "track login", "password reset", "track talk change"]
)
def test_post_with_the_csrf_token_gets_past_the_check(accounts, name):
    """The control for the test above: the same post with the token is not a 403."""
    user, url, data = csrf_case(name, accounts)
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(url)

    response = client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code != 403


def test_talk_is_unchanged_after_a_forged_post(accounts):
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(accounts["contact"])
    url = reverse("track:programme_talk_change", args=[talk.pk])
    data = admin_form_data(client.get(url))
    data.pop("csrfmiddlewaretoken", None)
    data["title"] = "forged"

    client.post(url, data)

    talk.refresh_from_db()
    assert talk.title != "forged"


def test_accounts_login_is_not_a_server_error():
    client = Client(raise_request_exception=False)

    response = client.get("/accounts/login/")

    assert response.status_code in (200, 302, 404)


# ---------------------------------------------------------------------------
# 3. Sign-in throttling (django-axes: AXES_FAILURE_LIMIT = 5).


LOGINS = [("admin:login", "staff", "pw-root-12345"), ("track:login", "contact", "pw-contact-12345")]


@pytest.mark.parametrize(("url_name", "who", "password"), LOGINS)
def test_sign_in_is_locked_after_five_failures(client, accounts, url_name, who, password):
    url = reverse(url_name)
    username = accounts[who].username
    failures = [
        client.post(url, {"username": username, "password": "wrong"}).status_code for _ in range(5)
    ]

    response = client.post(url, {"username": username, "password": password})

    assert failures[:4] == [200, 200, 200, 200]
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(("url_name", "who", "password"), LOGINS)
def test_sign_in_works_after_four_failures(client, accounts, url_name, who, password):
    url = reverse(url_name)
    username = accounts[who].username
    for _ in range(4):
        client.post(url, {"username": username, "password": "wrong"})

    response = client.post(url, {"username": username, "password": password})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(accounts[who].pk)


def test_failures_on_one_sign_in_page_count_on_the_other(client, accounts):
    """Both admin sites and /accounts/ share one counter: switching pages gains nothing."""
    for url_name in ("track:login", "admin:login") * 3:
        client.post(reverse(url_name), {"username": "root", "password": "wrong"})

    response = client.post(
        reverse("admin:login"), {"username": "root", "password": "pw-root-12345"}
    )

    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------------------
# 4. A draft year leaks nothing.


YEAR_PAGE_NAMES = (
    *(name for name in YEAR_HTML_PAGES if name != "changes"),
    "schedule-ics",
    "schedule-xml",
    "schedule-json",
    "programme-book",
)


@pytest.fixture
def draft_2025():
    """2025, the latest year, back to draft; what only 2025 has."""
    Conference.objects.filter(year=2025).update(published=False)
    titles_elsewhere = set(
        Talk.objects.exclude(conference__year=2025).values_list("title", flat=True)
    )
    only_2025 = [
        t
        for t in Talk.objects.filter(conference__year=2025).order_by("code")
        if t.title not in titles_elsewhere and len(t.title) >= 6
    ]
    elsewhere = Person.objects.filter(talks__conference__year__in=[2022, 2024])
    person_only_2025 = (
        Person.objects.filter(talks__conference__year=2025)
        .exclude(pk__in=elsewhere)
        .exclude(chaired_sessions__conference__year__in=[2022, 2024])
        .exclude(committeemembership__conference__year__in=[2022, 2024])
        .exclude(hosted_items__conference__year__in=[2022, 2024])
        .first()
    )
    person_both = (
        Person.objects.filter(talks__conference__year=2025)
        .filter(talks__conference__year__in=[2022, 2024])
        .first()
    )
    return {
        "talks": only_2025,
        "person_only": person_only_2025,
        "person_both": person_both,
    }


def draft_urls(draft) -> list[str]:
    talk = next(t for t in draft["talks"] if t.session_id)
    urls = [reverse(f"programme:{name}", args=[2025]) for name in YEAR_PAGE_NAMES]
    urls += optional_url("programme:changes", 2025) + optional_url("programme:changes-feed", 2025)
    urls += [
        talk.get_absolute_url(),
        reverse("programme:session-detail", args=[2025, talk.session.code]),
        reverse("programme:talk-ics", args=[2025, talk.code]),
        reverse("programme:session-ics", args=[2025, talk.session.code]),
        reverse("programme:schedule-ics", args=[2025]) + f"?only={talk.code}",
        draft["person_only"].get_absolute_url(),
    ]
    return urls


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_url_of_a_draft_year_is_404(client, draft_2025, prefix):
    urls = [prefix + url for url in draft_urls(draft_2025)]

    year_urls = [url for url in urls if "/2025/" in url]

    statuses = {url: client.get(url).status_code for url in urls}
    conditional = {
        url: client.get(url, headers={"if-none-match": "*"}).status_code for url in year_urls
    }

    assert statuses == dict.fromkeys(urls, 404)
    # A year page checks the year before answering 304. (Person pages answer 304 to
    # "*" for any slug, known or not, so that tells nothing either.)
    assert conditional == dict.fromkeys(year_urls, 404)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_root_archive_and_search_do_not_mention_a_draft_year(client, draft_2025, prefix):
    titles = [t.title for t in draft_2025["talks"]]
    name = draft_2025["person_only"].name

    root = client.get(prefix + "/")
    archive = text_of(client.get(prefix + "/archive/"))
    searches = [text_of(client.get(prefix + "/search/", {"q": t[:12]})) for t in titles[:5]]
    searches.append(text_of(client.get(prefix + "/search/", {"q": name})))

    assert root.status_code == 302
    assert root["Location"] == f"{prefix}/2024/"
    assert "/2025/" not in archive
    assert [t for t in titles if escape(t) in archive] == []
    assert [page for page in searches if "/2025/" in page] == []
    assert [t for t in titles for page in searches if escape(t) in page] == []
    assert draft_2025["person_only"].get_absolute_url() not in searches[-1]


def test_published_pages_of_people_and_other_years_do_not_mention_a_draft_year(client, draft_2025):
    person = draft_2025["person_both"]
    other_talk = person.talks.exclude(conference__year=2025).first()
    titles = [t.title for t in draft_2025["talks"]]
    urls = [
        person.get_absolute_url(),
        other_talk.get_absolute_url(),
        reverse("programme:speakers", args=[other_talk.conference.year]),
    ]

    pages = {url: text_of(client.get(url)) for url in urls}

    assert {url: "/2025/" in html for url, html in pages.items()} == dict.fromkeys(urls, False)
    assert [(url, t) for url, html in pages.items() for t in titles if escape(t) in html] == []


def test_staff_preview_of_a_draft_is_not_served_to_the_public(draft_2025, staff_client):
    url = reverse("programme:schedule", args=[2025])

    preview = staff_client.get(url)
    public = Client().get(url)

    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"] or "private" in preview["Cache-Control"]
    assert public.status_code == 404


# ---------------------------------------------------------------------------
# 5. Security headers and production settings.


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


HEADER_URLS = [
    "/2025/",
    "/en/2025/schedule/",
    "/2025/talks/A1-1/",
    "/2025/sessions/A1/",
    "/search/?q=operator",
    "/archive/",
    "/people/zhang-lin-feng/",
    "/2025/schedule.ics",
    "/2025/schedule.xml",
    "/2025/schedule.json",
    "/1999/",
    "/admin/login/",
    "/track/login/",
]


@pytest.mark.parametrize("url", HEADER_URLS)
def test_public_responses_carry_security_headers(client, url):
    first = client.get(url)
    cached = client.get(url)

    for response in (first, cached):
        directives = csp_directives(response["Content-Security-Policy"])
        scripts = directives.get("script-src", directives.get("default-src"))
        assert scripts == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert "'unsafe-inline'" not in directives.get("style-src", [])
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "url",
    ["/2025/", "/2025/schedule/", "/2025/talks/A1-1/", "/2025/abstracts/", "/search/?q=扩散"],
)
def test_public_pages_need_no_inline_script_or_style(client, url):
    """The CSP forbids inline script and style: pages must not rely on them."""
    markup = Markup(text_of(client.get(url)))

    inline = [
        a for a, text in markup.scripts if "src" not in a and a.get("type") != "application/json"
    ]
    styled = [tag for tag, attributes in markup.elements if "style" in attributes]
    handlers = [(tag, n) for tag, a in markup.elements for n in a if n.startswith("on")]
    assert (inline, styled, handlers) == ([], [], [])


def production_environment(**changes) -> dict:
    db = connection.settings_dict
    host = quote(db["HOST"], safe="") if db["HOST"] else "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    database_url = (
        f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
        f"@{host}{port}/{quote(db['NAME'], safe='')}"
    )
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "csml.example.org",
        "DATABASE_URL": database_url,
    }
    environment.update(changes)
    return {k: v for k, v in environment.items() if v is not None}


def manage(*args, environment) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  our own manage.py with a fixed argument list
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "DEBUG", environment=production_environment()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("secret_key", [None, ""])
def test_production_settings_refuse_to_start_without_secret_key(secret_key):
    result = manage("check", environment=production_environment(SECRET_KEY=secret_key))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
