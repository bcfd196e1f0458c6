"""Two people editing the same thing, in the staff admin (/admin/) and the track admin
(/track/): a save over someone else's newer change is refused with their change shown,
for the page's record and for each row of its inlines (a session's chairs and talks, a
talk's speakers, a programme item's hosts); saving again deliberately applies it. A post
whose edit token is missing or malformed is refused the same way, never a server error.

Forms are posted as the browser would: from the page's own inputs, the hidden edit
tokens included (the tokens must be on the page, not only in the form).
"""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from programme.concurrency import edit_token
from programme.models import ItemHost, ProgrammeItem, Session, Talk, Track
from tests.test_track_contacts import admin_form_data

pytestmark = pytest.mark.django_db

SITES = ("admin", "track")
NEW_TITLE = "他们改的新标题"


@pytest.fixture
def editors():
    """Who edits at each site: the student track's contact (E1-E8) at /track/, staff at
    /admin/."""
    contact = User.objects.create_user("wangmingze", "mingzewang@example.org", "pw-x-12345")
    Track.objects.get(conference__year=2025, code="student").editors.add(contact)
    staff = User.objects.create_superuser("root", "root@example.org", "pw-r-12345")
    return {"track": contact, "admin": staff}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def other(site: str) -> str:
    return "admin" if site == "track" else "track"


def change_url(site: str, obj) -> str:
    return reverse(f"{site}:programme_{obj._meta.model_name}_change", args=[obj.pk])


def row_prefix(data: dict, inline: str, obj) -> str:
    """The form prefix of `obj`'s row in the inline `inline` (talks, session_chairs...)."""
    return next(
        key.removesuffix("-id")
        for key, value in data.items()
        if key.startswith(f"{inline}-") and key.endswith("-id") and value == str(obj.pk)
    )


def row_form(response, inline: str, obj):
    formset = next(
        i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == inline
    )
    return next(form for form in formset.forms if form.instance.pk == obj.pk)


def page_form(response):
    return response.context["adminform"].form


def error_codes(form) -> list[str]:
    return [error.code for error in form.non_field_errors().as_data()]


class Inputs(HTMLParser):
    """name -> value of every <input> of a page: what a browser posts back."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


# ---------------------------------------------------------------------------
# The tokens are on the page.


@pytest.mark.parametrize(
    ("site", "code", "inlines"),
    [
        ("track", "E1", ("session_chairs", "talks")),
        ("admin", "E1", ("session_chairs", "talks")),
        ("track", "E1-2", ("talk_speakers",)),
        ("admin", "E1-2", ("talk_speakers",)),
    ],
)
def test_every_saved_row_and_the_page_carry_their_token_in_the_html(editors, site, code, inlines):
    model = Session if "-" not in code else Talk
    obj = model.objects.get(conference__year=2025, code=code)
    client = signed_in(editors[site])

    response = client.get(change_url(site, obj))

    posted = Inputs(response.content.decode()).values
    rows = [getattr(obj, inline).all() for inline in inlines]
    expected = {"edit_token": edit_token(obj)}
    for inline, objects in zip(inlines, rows, strict=True):
        for row in objects:
            expected[f"{row_prefix(posted, inline, row)}-edit_token"] = edit_token(row)
    assert {name: posted.get(name) for name in expected} == expected


def test_programme_item_and_its_host_rows_carry_a_token_in_the_html(editors):
    item = ProgrammeItem.objects.get(conference__year=2025, kind="opening")
    host = item.item_hosts.get()

    response = signed_in(editors["admin"]).get(change_url("admin", item))

    posted = Inputs(response.content.decode()).values
    assert posted["edit_token"] == edit_token(item)
    assert posted[f"{row_prefix(posted, 'item_hosts', host)}-edit_token"] == edit_token(host)


# ---------------------------------------------------------------------------
# The case: a talk retitled on its own page while its session's page is open.


@pytest.mark.parametrize("site", SITES)
def test_session_page_over_a_retitled_talk_is_refused_with_their_change(editors, site):
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    old_title, old_topic = talk.title, session.topic
    me, them = signed_in(editors[site]), signed_in(editors[other(site)])
    mine = admin_form_data(me.get(change_url(site, session)))
    theirs = admin_form_data(them.get(change_url(other(site), talk)))
    theirs["title"] = NEW_TITLE
    assert them.post(change_url(other(site), talk), theirs).status_code == 302
    mine["topic"] = "只改了主题"

    response = me.post(change_url(site, session), mine)

    assert response.status_code == 200
    row = row_form(response, "talks", talk)
    assert error_codes(row) == ["edited_meanwhile"]
    message = row.non_field_errors()[0]
    assert editors[other(site)].username in message
    assert f"“{old_title}” → “{NEW_TITLE}”" in message
    assert f"“{NEW_TITLE}”" in response.content.decode()
    talk.refresh_from_db()
    session.refresh_from_db()
    assert (talk.title, session.topic) == (NEW_TITLE, old_topic)


@pytest.mark.parametrize("site", SITES)
def test_saving_the_refused_session_page_again_applies_it(editors, site):
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    old_title = talk.title
    me = signed_in(editors[site])
    mine = admin_form_data(me.get(change_url(site, session)))
    talk.title = NEW_TITLE
    talk.save()  # someone else, anywhere
    mine["topic"] = "只改了主题"
    refused = me.post(change_url(site, session), mine)

    again = me.post(change_url(site, session), admin_form_data(refused))

    assert refused.status_code == 200
    assert again.status_code == 302
    talk.refresh_from_db()
    session.refresh_from_db()
    assert (talk.title, session.topic) == (old_title, "只改了主题")


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize(
    ("page_code", "inline", "row_of"),
    [
        ("E1", "session_chairs", lambda page: page.session_chairs.get()),
        ("E1-2", "talk_speakers", lambda page: page.talk_speakers.get()),
    ],
    ids=["chair row", "speaker row"],
)
def test_a_row_changed_elsewhere_refuses_the_page(editors, site, page_code, inline, row_of):
    model = Session if "-" not in page_code else Talk
    page = model.objects.get(conference__year=2025, code=page_code)
    row = row_of(page)
    position = row.position
    client = signed_in(editors[site])
    mine = admin_form_data(client.get(change_url(site, page)))
    row.affiliation = "别处改的单位"
    row.save()
    mine[f"{row_prefix(mine, inline, row)}-position"] = "7"

    response = client.post(change_url(site, page), mine)

    assert response.status_code == 200
    assert error_codes(row_form(response, inline, row)) == ["edited_meanwhile"]
    assert "→ “别处改的单位”" in row_form(response, inline, row).non_field_errors()[0]
    row.refresh_from_db()
    assert (row.affiliation, row.position) == ("别处改的单位", position)


@pytest.mark.parametrize("site", SITES)
def test_a_new_row_needs_no_token(editors, site):
    session = Session.objects.get(conference__year=2025, code="E1")
    talk_count = session.talks.count()
    client = signed_in(editors[site])
    data = admin_form_data(client.get(change_url(site, session)))
    n = int(data["talks-TOTAL_FORMS"])
    data["talks-TOTAL_FORMS"] = str(n + 1)
    data.update({f"talks-{n}-position": "9", f"talks-{n}-code": "E1-9", f"talks-{n}-title": "新"})

    response = client.post(change_url(site, session), data)

    assert response.status_code == 302
    assert session.talks.count() == talk_count + 1


# ---------------------------------------------------------------------------
# Missing and malformed tokens: a conflict, never a pass nor a server error.

BAD_TOKENS = ["abc", "-1", "²", str(10**30), "7" * 10_000, "v0", " 1"]


def token_key(data: dict, target: str, talk) -> str:
    return "edit_token" if target == "page" else f"{row_prefix(data, 'talks', talk)}-edit_token"


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("target", ["page", "row"])
def test_a_post_without_the_token_is_a_conflict(editors, site, target):
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    client = signed_in(editors[site])
    data = admin_form_data(client.get(change_url(site, session)))
    del data[token_key(data, target, talk)]
    data["topic"] = "没有令牌"

    response = client.post(change_url(site, session), data)

    form = page_form(response) if target == "page" else row_form(response, "talks", talk)
    assert response.status_code == 200
    assert error_codes(form) == ["edited_meanwhile"]
    session.refresh_from_db()
    assert session.topic != "没有令牌"


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("target", ["page", "row"])
@pytest.mark.parametrize("token", BAD_TOKENS, ids=lambda t: t[:12])
def test_a_malformed_token_is_a_conflict_not_an_error(editors, site, target, token):
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    client = signed_in(editors[site])
    data = admin_form_data(client.get(change_url(site, session)))
    data[token_key(data, target, talk)] = token
    data["topic"] = "坏令牌"

    response = client.post(change_url(site, session), data)

    form = page_form(response) if target == "page" else row_form(response, "talks", talk)
    assert response.status_code == 200
    assert error_codes(form) == ["edited_meanwhile"]
    session.refresh_from_db()
    assert session.topic != "坏令牌"


def test_another_records_token_is_a_conflict(editors):
    """A real history id, but of another talk: not a version of this one."""
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    elsewhere = Talk.objects.get(conference__year=2025, code="E2-1")
    client = signed_in(editors["track"])
    data = admin_form_data(client.get(change_url("track", talk)))
    data["edit_token"] = edit_token(elsewhere)
    data["title"] = "别人的令牌"

    response = client.post(change_url("track", talk), data)

    assert error_codes(page_form(response)) == ["edited_meanwhile"]
    talk.refresh_from_db()
    assert talk.title != "别人的令牌"


# ---------------------------------------------------------------------------
# A model without history: the programme item and its hosts compare the row's values.


def test_host_row_changed_elsewhere_refuses_the_item_page_with_its_new_value(editors):
    item = ProgrammeItem.objects.get(conference__year=2025, kind="opening")
    host = item.item_hosts.get()
    client = signed_in(editors["admin"])
    mine = admin_form_data(client.get(change_url("admin", item)))
    ItemHost.objects.filter(pk=host.pk).update(affiliation="别处改的单位")
    mine["title"] = "开幕致辞"

    refused = client.post(change_url("admin", item), mine)
    again = client.post(change_url("admin", item), admin_form_data(refused))

    assert error_codes(row_form(refused, "item_hosts", host)) == ["edited_meanwhile"]
    assert "“别处改的单位”" in row_form(refused, "item_hosts", host).non_field_errors()[0]
    assert again.status_code == 302
    host.refresh_from_db()
    item.refresh_from_db()
    assert (item.title, host.affiliation) == ("开幕致辞", "")


def test_programme_item_changed_elsewhere_is_refused(editors):
    item = ProgrammeItem.objects.get(conference__year=2025, kind="opening")
    client = signed_in(editors["admin"])
    mine = admin_form_data(client.get(change_url("admin", item)))
    ProgrammeItem.objects.filter(pk=item.pk).update(description="别处加的说明")
    mine["title"] = "开幕致辞"

    response = client.post(change_url("admin", item), mine)

    assert error_codes(page_form(response)) == ["edited_meanwhile"]
    item.refresh_from_db()
    assert (item.title, item.description) == ("致辞", "别处加的说明")
