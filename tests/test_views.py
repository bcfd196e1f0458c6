"""The public site on the real programme books: every page, 404s, drafts, search, i18n."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from programme import names
from programme.models import Conference, Person, Session, Talk
from tests.conftest import YEARS

pytestmark = pytest.mark.django_db

YEAR_PAGES = ("conference-home", "schedule", "abstracts", "speakers", "organisation", "contacts")


def text_of(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("page", YEAR_PAGES)
def test_year_page_renders_with_the_conference_name(client, year, page):
    conference = Conference.objects.get(year=year)

    response = client.get(reverse(f"programme:{page}", args=[year]))

    assert response.status_code == 200
    assert conference.name_zh in text_of(response)


@pytest.mark.parametrize("year", YEARS)
def test_schedule_shows_every_session_and_talk_of_the_year(client, year):
    response = client.get(reverse("programme:schedule", args=[year]))

    html = text_of(response)
    missing = [
        s.code
        for s in Session.objects.filter(conference__year=year)
        if f"session-{s.code}" not in html
    ]
    talks = Talk.objects.filter(conference__year=year)
    missing += [t.code for t in talks if t.get_absolute_url() not in html]
    assert missing == []


@pytest.mark.parametrize("year", YEARS)
def test_abstracts_hold_every_abstract_with_anchors(client, year):
    response = client.get(reverse("programme:abstracts", args=[year]))

    html = text_of(response)
    talks = Talk.objects.filter(conference__year=year)
    assert [t.code for t in talks if f'id="{t.code}"' not in html] == []
    with_abstract = [t for t in talks if t.abstract and "$" not in t.abstract]
    first_words = [t.abstract.split("\n")[0][:12] for t in with_abstract]
    assert [
        w
        for w in first_words
        if w.replace("&", "&amp;").replace('"', "&quot;") not in html and w not in html
    ] == []


def test_session_page_shows_chairs_room_and_every_talk_with_abstract(client):
    session = Session.objects.get(conference__year=2025, code="A1")

    response = client.get(session.get_absolute_url())

    html = text_of(response)
    assert session.room.name in html
    assert "罗涛" in html
    codes = re.findall(r'<article class="talk" id="([A-Z0-9-]+)"', html)
    assert codes == [t.code for t in session.talks.order_by("position")]


def test_session_page_2022_shows_tencent_meeting(client):
    response = client.get(reverse("programme:session-detail", args=[2022, "A1"]))

    assert "998-210-141" in text_of(response)


def test_talk_page_shows_speaker_bio_and_other_years(client):
    talk = Talk.objects.get(conference__year=2025, code="P1")

    response = client.get(talk.get_absolute_url())

    html = text_of(response)
    assert "AI for Mathematics" in html
    assert "北京大学" in html
    bio = talk.talk_speakers.get().bio
    assert bio[:10] in html
    other = response.context["other_talks"]
    assert all((t.year, t.code) != (2025, "P1") for t in other)


def test_talk_page_lists_the_speakers_talks_in_other_years(client):
    person = (
        Person.objects.filter(talks__conference__year=2022)
        .filter(talks__conference__year=2025)
        .first()
    )
    talk = person.talks.get(conference__year=2025)
    earlier = person.talks.get(conference__year=2022)

    response = client.get(talk.get_absolute_url())

    assert f'<span class="year">2022</span> <a href="{earlier.get_absolute_url()}">' in (
        response.content.decode()
    )


def test_person_page_spans_years(client):
    person = Person.objects.get(key="张林峰")

    response = client.get(person.get_absolute_url())

    years = [record["year"] for record in response.context["record"].by_year()]
    assert years == sorted(years, reverse=True)
    assert {2022, 2025} <= set(years)


def test_speakers_are_sorted_by_pinyin(client):
    from programme.names import pinyin_sort_key

    response = client.get(reverse("programme:speakers", args=[2025]))

    names = [entry["person"].name for entry in response.context["people"]]
    assert names == sorted(names, key=pinyin_sort_key)
    assert len(names) > 150


def test_contacts_show_student_session_contact_with_mailto(client):
    response = client.get(reverse("programme:contacts", args=[2025]))

    html = text_of(response)
    assert 'href="mailto:mingzewang@stu.pku.edu.cn"' in html
    assert "学生分会联系人" in html


def test_session_page_of_a_track_with_a_contact_names_the_contact(client):
    e1 = text_of(client.get(reverse("programme:session-detail", args=[2025, "E1"])))
    a1 = text_of(client.get(reverse("programme:session-detail", args=[2025, "A1"])))

    contacts = re.findall(r'<dd class="facts__contact">(.*?)</dd>', e1, re.S)
    assert len(contacts) == 1
    assert '<strong class="contact__name">王铭泽</strong>' in contacts[0]
    assert '<span class="badge badge--track">学生分会联系人</span>' in contacts[0]
    assert 'href="mailto:mingzewang@stu.pku.edu.cn"' in contacts[0]
    assert "facts__contact" not in a1  # the parallel sessions' track has no contact


def contact_sessions(html: str) -> dict[str, list[tuple[str, str]]]:
    """{contact's name: [(link, code) of each session listed under them]}."""
    listed = {}
    for item in re.findall(r'<li class="contact[^"]*">(.*?)</li>', html, re.S):
        name = re.search(r'class="contact__name">(?:<span lang="zh-Hans">)?([^<]+)<', item)[1]
        listed[name] = re.findall(r'<a class="code-link" href="([^"]+)">([^<]+)</a>', item)
    return listed


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_contacts_page_lists_the_sessions_each_contact_looks_after(client, prefix):
    html = text_of(client.get(f"{prefix}/2025/contacts/"))

    student_sessions = [(f"{prefix}/2025/sessions/E{n}/", f"E{n}") for n in range(1, 9)]
    assert contact_sessions(html) == {"吴磊": [], "袁坤": [], "王铭泽": student_sessions}


def test_frab_links_are_one_small_line_for_apps(client):
    html = text_of(client.get(reverse("programme:schedule", args=[2025])))

    lines = re.findall(r'<p class="for-apps">(.*?)</p>', html, re.S)
    assert len(lines) == 1 and lines[0].startswith("供应用程序使用：")
    for export in ("schedule.xml", "schedule.json", "schedule.ics"):
        assert f'href="/2025/{export}"' in lines[0]
    assert html.count('href="/2025/schedule.xml"') == html.count('href="/2025/schedule.json"') == 1


def test_archive_lists_published_years_newest_first(client):
    response = client.get(reverse("programme:archive"))

    assert [c.year for c in response.context["conferences"]] == [2025, 2024, 2022]


def test_root_redirects_to_latest_year(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/2025/"


@pytest.mark.parametrize(
    "url",
    [
        "/1999/",
        "/1999/schedule/",
        "/2025/sessions/Z9/",
        "/2025/talks/Z9-9/",
        "/people/nobody-here/",
        "/2025/talks/Z9-9.ics",
        "/en/2030/",
    ],
)
def test_unknown_things_are_a_friendly_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert "There is no such year" in text_of(response) or "没有这一年份" in text_of(response)


def test_draft_year_does_not_exist_for_the_public(client):
    Conference.objects.filter(year=2024).update(published=False)
    talk = Talk.objects.filter(conference__year=2024, session__isnull=False).first()
    only_2024 = (
        Person.objects.filter(talks__conference__year=2024)
        .exclude(talks__conference__year__in=[2022, 2025])
        .exclude(chaired_sessions__conference__year__in=[2022, 2025])
        .exclude(committeemembership__conference__year__in=[2022, 2025])
        .first()
    )

    urls = [reverse(f"programme:{p}", args=[2024]) for p in YEAR_PAGES]
    urls += [
        talk.get_absolute_url(),
        talk.session.get_absolute_url(),
        "/2024/schedule.ics",
        f"/2024/talks/{talk.code}.ics",
        only_2024.get_absolute_url(),
    ]
    statuses = {url: client.get(url).status_code for url in urls}
    archive = client.get(reverse("programme:archive"))
    search = client.get(reverse("programme:search"), {"q": talk.title[:8]})

    assert set(statuses.values()) == {404}
    assert 2024 not in [c.year for c in archive.context["conferences"]]
    assert 2024 not in [t.conference.year for t in search.context["results"].talks]


@pytest.mark.parametrize(
    ("query", "expected_title_part"),
    [("扩散", "扩散"), ("算子", "算子"), ("diffusion", "iffusion"), ("operator", "perator")],
)
def test_search_finds_chinese_substrings_and_english_words(client, query, expected_title_part):
    expected = set(
        Talk.objects.filter(title__icontains=query).values_list("conference__year", "code")
    )

    response = client.get(reverse("programme:search"), {"q": query})

    found = {(t.conference.year, t.code) for t in response.context["results"].talks}
    assert expected and expected <= found
    assert f"<mark>{query}</mark>" in text_of(response).lower() or "<mark>" in text_of(response)


def test_search_groups_results_by_year_newest_first(client):
    response = client.get(reverse("programme:search"), {"q": "神经网络"})

    years = [year for year, _found, _talks in response.context["results"].talks_by_year()]
    assert years == sorted(set(years), reverse=True)
    assert len(years) >= 2


def test_search_in_english_interface(client):
    response = client.get("/en/search/", {"q": "operator"})

    html = text_of(response)
    assert '<html lang="en">' in html
    assert "results for" in html


def test_english_interface_translates_labels_and_shows_pinyin(client):
    chinese = client.get("/2025/schedule/")
    english = client.get("/en/2025/schedule/")

    assert '<html lang="zh-hans">' in text_of(chinese)
    assert "日程" in text_of(chinese)
    assert '<html lang="en">' in text_of(english)
    assert ">Schedule<" in text_of(english) or "Schedule" in text_of(english)
    assert '<span lang="zh-Hans">董彬</span> (Dong Bin)' in text_of(english)
    assert 'href="/en/2025/schedule/"' in text_of(chinese)
    assert 'href="/2025/schedule/"' in text_of(english)


def test_titles_are_escaped_and_latex_is_mathml(client):
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    talk.title = 'Attack <script>alert("x")</script> with $\\kappa_A$'
    talk.save()

    html = text_of(client.get(talk.get_absolute_url()))

    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "<math" in html and "<msub>" in html


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize(
    ("suffix", "content_type", "starts"),
    [
        ("ics", "text/calendar", b"BEGIN:VCALENDAR"),
        ("xml", "application/xml", b"<?xml"),
        ("json", "application/json", b"{"),
    ],
)
def test_exports_are_served_with_etags(client, year, suffix, content_type, starts):
    url = f"/{year}/schedule.{suffix}"

    response = client.get(url)
    again = client.get(url, headers={"if-none-match": response["ETag"]})

    assert response["Content-Type"].startswith(content_type)
    assert response.content.startswith(starts)
    assert again.status_code == 304


def test_a_time_reads_the_same_on_every_page_and_as_printed_in_the_book(client):
    from programme.exporters.book import programme_book_html

    talk = Talk.objects.filter(conference__year=2025, item__start__hour__lt=10).first()
    session = Session.objects.get(conference__year=2025, code="C1")
    web = f"{talk.item.start:%H:%M}–{talk.item.end:%H:%M}"  # 08:40–09:30 on the web
    printed = f"{talk.item.start.hour}:{talk.item.start:%M}–{talk.item.end.hour}:{talk.item.end:%M}"
    urls = ["/2025/", "/2025/schedule/", "/2025/abstracts/", talk.get_absolute_url()]

    pages = {url: strip_tags(text_of(client.get(url))) for url in urls}  # the text a reader sees
    session_page = text_of(client.get(session.get_absolute_url()))
    book = programme_book_html(talk.conference)

    assert web.startswith("0") and web != printed
    assert [url for url, html in pages.items() if web not in html] == []
    assert f"<dd>{session.date:%Y年%-m月%-d日} 星期日 10:10–12:10</dd>" in session_page
    assert printed in book and web not in book


def test_people_lists_are_one_form_with_pinyin_on_english_pages(client):
    from programme.exporters.book import programme_book_html

    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    speaker = talk.talk_speakers.select_related("person").get()
    pinyin = names.pinyin_name(speaker.person.name)
    name = f'<span lang="zh-Hans">{speaker.person.name}</span> ({pinyin})'
    affiliation = f'<span lang="zh-Hans">{speaker.affiliation}</span>'

    session_page = text_of(client.get("/en" + talk.session.get_absolute_url()))
    schedule = text_of(client.get("/en/2025/schedule/"))
    search = text_of(client.get("/en/search/", {"q": talk.title[:12]}))
    with translation.override("en"):
        book = programme_book_html(talk.conference)

    assert f'/">{name}</a><span class="affiliation"> ({affiliation})</span>' in session_page
    assert f'<span class="talk-line__who"><span class="person">{name}</span>' in schedule
    assert f'<span class="person">{name}<span class="affiliation"> (' in search
    assert f'<p class="talk__byline">{name}，{speaker.affiliation}</p>' in book


def test_an_online_chair_is_a_badge_on_the_web_and_bracketed_in_the_book(client):
    from programme.exporters.book import programme_book_html
    from programme.models import SessionChair

    chair = SessionChair.objects.filter(online=True).select_related("session__conference").first()
    name = chair.person.name

    html = text_of(client.get(chair.session.get_absolute_url()))
    book = programme_book_html(chair.session.conference)

    badge = '<span class="badge badge--online">线上</span>'
    assert re.search(rf">{name}</a>(<span class=\"affiliation\">[^<]*</span>)?{badge}", html)
    assert f'<span class="person">{name}<span class="online">（线上）</span></span>' in book


def test_book_names_run_into_the_title_without_a_space():
    """The printed books read `孟德宇：重思…`; an include's trailing newline once printed
    `孟德宇 ：` (WeasyPrint lays out the newline as a space)."""
    from programme.exporters.book import programme_book_html

    book = programme_book_html(Conference.objects.get(year=2022))

    assert "孟德宇</span>：" in book
    assert "</span>\n：" not in book
