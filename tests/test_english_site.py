"""The English site on the real programme books: nothing a reader needs is in Chinese.

Every public page type is fetched under /en/ and read as a reader meets it: the text
nodes of the page (also those the scripts reveal: the schedule's filters, the offline
line), the tab title and the attributes that are shown or read out (title, aria-label,
alt, placeholder, the meta description, the offline line's text). A Han character is
allowed only inside an element marked `lang="zh-Hans"`: a person's name beside its
pinyin, or a title, topic, abstract, bio or affiliation that the programme book prints
only in Chinese. The tab title and attributes cannot hold markup, so a Chinese word
there must be one the page shows marked (a Chinese talk title in the tab title).
"""

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from programme import releases
from programme.dates import date_range
from programme.models import CommitteeMembership, Conference, Release, Room, Session, Talk
from programme.queries import programme_for_conference
from tests.conftest import YEAR_HTML_PAGES, YEARS

pytestmark = pytest.mark.django_db

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")

# Not shown as text: code and style. (Elements with `hidden` are read: on this site
# they are what the scripts reveal, e.g. the schedule's track chips.)
NOT_TEXT = {"script", "style", "template"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
SHOWN_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder", "data-offline-text")


class VisibleText(HTMLParser):
    """Text nodes and shown attributes of a page, each with whether an element around it
    is marked Chinese (`lang="zh-..."`)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, marked, not text)
        self.texts: list[tuple[str, str, bool]] = []  # (where, text, marked)
        self.unmarkable: list[tuple[str, str]] = []  # tab title and attributes

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        marked = (attrs.get("lang") or "").lower().startswith("zh") or (
            bool(self.stack) and self.stack[-1][1]
        )
        skipped = tag in NOT_TEXT or (bool(self.stack) and self.stack[-1][2])
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.unmarkable.append((f"<{tag} {name}>", attrs[name]))
        if tag == "meta" and attrs.get("name") == "description":
            self.unmarkable.append(("<meta description>", attrs.get("content") or ""))
        if tag not in VOID:
            self.stack.append((tag, marked, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        if not data.strip() or (self.stack and self.stack[-1][2]):
            return
        tag, marked = (self.stack[-1][0], self.stack[-1][1]) if self.stack else ("", False)
        if tag == "title":
            self.unmarkable.append(("<title>", data))
        else:
            self.texts.append((f"<{tag}>", data.strip(), marked))


def chinese_left(html: str) -> list[tuple[str, str]]:
    """(where, text) of every piece of Chinese a reader of the page meets unmarked."""
    page = VisibleText()
    page.feed(html)
    marked = " ".join(text for _where, text, is_marked in page.texts if is_marked)
    found = [
        (where, text) for where, text, is_marked in page.texts if HAN.search(text) and not is_marked
    ]
    for where, text in page.unmarkable:
        if any(run not in marked for run in HAN.findall(text)):
            found.append((where, text))
    return found


def english_pages(client) -> dict[str, str]:
    """{url: html} of every public page type of each year, in English: the search finds
    people, sessions and talks, an invited talk among them (its programme row's title);
    /en/2030/ is the year that does not exist; the programme book before its first print
    is the page that says it is being prepared."""
    urls = [
        "/en/archive/",
        "/en/search/?q=dong+bin",
        "/en/search/?q=learning&page=2",
        "/en/2030/",
        "/en/2025/talks/Z9-9/",
        "/en/2025/programme.pdf",
    ]
    for year in YEARS:
        conference = Conference.objects.get(year=year)
        programme = programme_for_conference(conference)
        urls += ["/en" + reverse(f"programme:{page}", args=[year]) for page in YEAR_HTML_PAGES]
        one_per_track = {s.track_id: s for s in reversed(programme.sessions)}.values()
        urls += ["/en" + s.get_absolute_url() for s in one_per_track]
        urls += ["/en" + programme.invited_talks[0].get_absolute_url()]
        urls += ["/en" + programme.sessions[0].ordered_talks[0].get_absolute_url()]
        host = next(h.person for i in programme.items for h in i.ordered_hosts)
        member = (
            CommitteeMembership.objects.filter(conference=conference)
            .exclude(title="")
            .select_related("person")
            .first()
        )
        urls += ["/en" + host.get_absolute_url(), "/en" + member.person.get_absolute_url()]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404, 503), url
        assert response["Content-Type"].startswith("text/html"), url
        pages[url] = response.content.decode()
    Conference.objects.update(published=False)
    pages["/en/"] = client.get("/en/").content.decode()  # no year published yet
    return pages


def release_with_changes():
    """A released 2025 schedule, then a session moved to another room and a talk given
    another speaker: the changes page shows rooms and names."""
    conference = Conference.objects.get(year=2025)
    Release.objects.create(
        conference=conference,
        name="v1",
        snapshot=releases.snapshot(programme_for_conference(conference)),
    )
    session = Session.objects.get(conference=conference, code="A1")
    session.room = Room.objects.filter(conference=conference).exclude(pk=session.room_id)[0]
    session.save()
    talk = Talk.objects.get(conference=conference, code="A1-2")
    other = Talk.objects.get(conference=conference, code="B1-1").talk_speakers.get()
    talk.talk_speakers.update(person=other.person)


def test_english_pages_show_no_chinese_outside_names_and_chinese_only_texts(client):
    release_with_changes()

    pages = english_pages(client)
    manifest = client.get("/en/manifest.webmanifest").content.decode()

    left = [
        f"{url} {where} {text}" for url, html in pages.items() for where, text in chinese_left(html)
    ]
    assert left == [], "\n".join(left)
    assert len(pages) == 44  # a person page two years share is fetched once
    assert not HAN.search(manifest)


def test_english_home_names_the_conference_and_its_dates_in_english(client):
    conference = Conference.objects.get(year=2025)

    english = client.get("/en/2025/").content.decode()
    chinese = client.get("/2025/").content.decode()

    assert f"<title>{conference.name_en}</title>" in english
    assert "9–10 August 2025" in english
    assert "2025年8月9日 – 8月10日" in chinese
    timeline = json.loads(re.search(r'id="timeline-data"[^>]*>(.*?)</script>', english)[1])
    items = [entry for entry in timeline if not entry["url"]]
    assert [entry for entry in items if HAN.search(entry["title"] + entry["where"])] == []


def test_date_ranges_read_as_each_language_writes_them():
    days = [
        (dt.date(2025, 8, 9), dt.date(2025, 8, 10)),
        (dt.date(2025, 7, 31), dt.date(2025, 8, 2)),
        (dt.date(2025, 12, 31), dt.date(2026, 1, 2)),
        (dt.date(2025, 8, 9), dt.date(2025, 8, 9)),
    ]

    with translation.override("en"):
        english = [date_range(start, end) for start, end in days]
        english_book = date_range(*days[0], weekdays=True)
    with translation.override("zh-hans"):
        chinese = [date_range(start, end) for start, end in days]
        chinese_book = date_range(*days[0], weekdays=True)

    assert english == [
        "9–10 August 2025",
        "31 July – 2 August 2025",
        "31 December 2025 – 2 January 2026",
        "9 August 2025",
    ]
    assert chinese == [
        "2025年8月9日 – 8月10日",
        "2025年7月31日 – 8月2日",
        "2025年12月31日 – 2026年1月2日",
        "2025年8月9日",
    ]
    assert english_book == "Sat 9 August – Sun 10 August 2025"
    assert chinese_book == "2025年8月9日（星期六） – 8月10日（星期日）"


def test_the_chinese_check_finds_an_untranslated_room():
    html = (
        '<html lang="en"><title>A1 · CSML2025</title><p class="room">友谊宫 5 号会议室</p>'
        '<p lang="zh-Hans">深度学习理论</p><a title="深度学习理论">A1</a></html>'
    )

    assert chinese_left(html) == [("<p>", "友谊宫 5 号会议室")]


@pytest.mark.parametrize("year", YEARS)
def test_every_room_item_contact_and_committee_title_has_its_english(year):
    conference = Conference.objects.get(year=year)

    missing = [f"room {r.name}" for r in conference.rooms.all() if not r.name_en]
    missing += [f"item {i}" for i in conference.programme_items.all() if not i.title_en]
    missing += [
        f"item description {i}"
        for i in conference.programme_items.all()
        if i.description and not i.description_en
    ]
    missing += [f"contact {c}" for c in conference.contacts.all() if c.role and not c.role_en]
    missing += [
        f"committee title {m}" for m in conference.committee.all() if m.title and not m.title_en
    ]
    missing += [f"organisation {o}" for o in conference.organisations.all() if not o.name_en]

    assert conference.name_en
    assert missing == []


def test_a_blank_english_name_falls_back_to_the_chinese(client):
    Room.objects.filter(conference__year=2025).update(name_en="")
    session = Session.objects.get(conference__year=2025, code="A1")

    html = client.get("/en" + session.get_absolute_url()).content.decode()

    assert f"<dd>{session.room.name}</dd>" in html
    assert ("<dd>", session.room.name) in chinese_left(html)
