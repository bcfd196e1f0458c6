"""The programme book PDF: every talk, the contacts, a table of contents that points to
the right pages, and a constant number of queries. Read back with poppler's pdftotext.
Then /<year>/programme.pdf: printed by the background task after a change to its year,
served from the database, never printed in a request."""

import datetime as dt
import itertools
import re
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from programme.caching import books as book_store
from programme.caching import versions
from programme.caching.deploy import deploy_id
from programme.exporters.book import programme_book_pdf, tex_rich, tex_title
from programme.models import BuiltBook, Conference, Session, Talk
from programme.rich_text import MATH_SEGMENT, title_html
from tests.conftest import YEARS
from tests.factories import one_talk_year

pytestmark = pytest.mark.django_db

BOOK_QUERIES = 7  # programme (4), committees, organisations, contacts
CHAPTERS = (
    "Conference guide",
    "Organisation",
    "Programme",
    "Invited talks: abstracts and speakers",
    "Session abstracts",
)
CHINESE_NUMERALS = "一二三四五"


def squeeze(text: str) -> str:
    """Without any whitespace: pdftotext breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


def comparable(text: str) -> str:
    """Squeezed and without hyphens: pdftotext drops the hyphen that ends a line
    (computational-|statistical reads computationalstatistical)."""
    return squeeze(text).replace("-", "")


def pdf_text(pdf: bytes, *options: str) -> str:
    result = subprocess.run(  # noqa: S603  a fixed command; the PDF goes to its stdin
        ["pdftotext", "-enc", "UTF-8", *options, "-", "-"],  # noqa: S607  Debian poppler-utils
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


# The bottom margin of an A4 page in points (72 dpi): where the page numbers are printed.
FOOTER = ("-r", "72", "-x", "0", "-y", "785", "-W", "595", "-H", "57")


class Book:
    def __init__(self, pdf: bytes, queries: int):
        self.pdf = pdf
        self.queries = queries
        # pdftotext ends every page with a form feed
        self.pages = pdf_text(pdf).split("\f")[:-1]
        self.footers = [footer.strip() for footer in pdf_text(pdf, *FOOTER).split("\f")[:-1]]

    def page_numbered(self, number: int) -> str:
        """The page whose footer prints `number` (the cover prints none)."""
        return self.pages[self.footers.index(str(number))]

    def contents(self) -> list[tuple[str, int]]:
        """(entry, page number) of the table of contents, in printed order."""
        first = next(
            n
            for n, p in enumerate(self.pages)
            if squeeze(p).startswith(squeeze(gettext("Contents")))
        )
        guide = chapter_entries()[0]
        toc = "\n".join(
            itertools.takewhile(lambda p: not squeeze(p).startswith(guide), self.pages[first:])
        )
        found = re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)\s*$", toc, re.M)
        return [(squeeze(entry), int(number)) for entry, number in found]


@pytest.fixture(scope="module")
def books(django_db_setup, django_db_blocker):
    """The book of each real year, printed once for the module, with its query count."""
    printed = {}
    with django_db_blocker.unblock():
        for year in YEARS:
            conference = Conference.objects.get(year=year)
            with CaptureQueriesContext(connection) as queries:
                pdf = programme_book_pdf(conference)
            printed[year] = Book(pdf, len(queries))
    return printed


def test_tex_title_typesets_formulas_as_svg_and_escapes_the_rest():
    html = tex_title("Operators in $d+1$ Dimensions <b>")

    assert re.fullmatch(
        r'Operators in <svg [^>]*class="formula".*</svg> Dimensions &lt;b&gt;', html
    )


def test_tex_rich_runs_the_label_into_the_first_paragraph():
    html = tex_rich("First $x<y$.\n\nSecond.", "摘要")

    assert re.fullmatch(
        r'<p><strong class="label">摘要：</strong>First <svg [^>]*class="formula".*</svg>\.</p>'
        r"<p>Second\.</p>",
        html,
    )


@pytest.mark.parametrize("year", YEARS)
def test_book_is_a_pdf(books, year):
    pdf = books[year].pdf

    assert pdf[:5] == b"%PDF-"


@pytest.mark.parametrize("year", YEARS)
def test_book_numbers_every_page_but_the_cover(books, year):
    footers = books[year].footers

    assert footers == ["", *(str(n) for n in range(1, len(footers)))]


@pytest.mark.parametrize("year", YEARS)
def test_book_prints_every_talk_title(books, year):
    text = comparable("".join(books[year].pages))
    titles = list(Talk.objects.filter(conference__year=year).values_list("code", "title"))

    missing = [
        (code, part)
        for code, title in titles
        for part in MATH_SEGMENT.sub("\n", title).split("\n")  # the text around $...$
        if comparable(part) not in text
    ]

    assert len(titles) > 100
    assert missing == []


@pytest.mark.parametrize("year", YEARS)
def test_book_prints_every_contact_email(books, year):
    text = "".join(books[year].pages)
    emails = [c.email for c in Conference.objects.get(year=year).contacts.all() if c.email]

    missing = [email for email in emails if email not in text]

    assert emails
    assert missing == []


def chapter_entries() -> list[str]:
    return [f"{n}、{squeeze(gettext(c))}" for n, c in zip(CHINESE_NUMERALS, CHAPTERS, strict=True)]


def session_entry(session) -> str:
    return f"{session.code}{squeeze(session.topic)}"


@pytest.mark.parametrize("year", YEARS)
def test_contents_list_chapters_then_sessions_in_page_order(books, year):
    sessions = Session.objects.filter(conference__year=year).order_by(
        "date", "start", "end", "code"
    )

    contents = books[year].contents()

    entries = [entry for entry, _ in contents]
    assert [e for e in entries if e[1:2] == "、"] == chapter_entries()
    assert entries[-len(sessions) :] == [session_entry(s) for s in sessions]
    numbers = [number for _, number in contents]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("year", YEARS)
def test_contents_page_numbers_point_at_the_headings(books, year):
    book = books[year]
    contents = dict(book.contents())
    topic = squeeze(gettext("Topic"))
    sessions = Session.objects.filter(conference__year=year).select_related("track")

    def heading_on_page(entry: str, heading: str) -> bool:
        return heading in squeeze(book.page_numbered(contents[entry]))

    wrong = [entry for entry in chapter_entries() if not heading_on_page(entry, entry)]
    wrong += [
        s.code
        for s in sessions
        if not heading_on_page(
            session_entry(s), f"{s.track.name_zh}{s.code}{topic}：{squeeze(s.topic)}"
        )
    ]

    assert wrong == []


def test_book_queries_do_not_grow_with_talks(books, django_assert_num_queries):
    tiny = one_talk_year()

    with django_assert_num_queries(BOOK_QUERIES):
        pdf = programme_book_pdf(tiny)

    assert pdf[:5] == b"%PDF-"
    assert {year: book.queries for year, book in books.items()} == dict.fromkeys(
        YEARS, BOOK_QUERIES
    )


def test_printing_a_book_leaves_the_sites_mathml_alone(books):
    html = title_html("after the book: $x_{book}$")

    assert html.startswith('after the book: <math xmlns="http://www.w3.org/1998/Math/MathML"')


# ---------------------------------------------------------------------------
# /<year>/programme.pdf: printed by the worker after a change, served from the database,
# never printed in a request.

LANGUAGES = [code for code, _ in settings.LANGUAGES]


def book_url(year: int, language: str = "zh-hans") -> str:
    with translation.override(language):
        return reverse("programme:programme-book", args=[year])


def store_current_books(conference, pdf: bytes = b"%PDF-1.7 as printed before") -> None:
    """Every language's book stored as the worker would have printed it from the year's
    data as it is now, by this deploy."""
    for language in LANGUAGES:
        BuiltBook.objects.update_or_create(
            conference=conference,
            language=language,
            defaults={
                "data_version": versions.current_version(conference.pk),
                "deploy_id": deploy_id(),
                "pdf": pdf,
            },
        )


def stored_books(year: int) -> dict[str, tuple]:
    rows = BuiltBook.objects.filter(conference__year=year)
    return {row.language: (row.data_version, row.deploy_id, row.built_at, row.pdf) for row in rows}


def waiting_prints() -> list[tuple[str, dt.datetime]]:
    """The task queue's rows no worker has started."""
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    return list(rows.values_list("task_path", "run_after"))


PRINT_TASK = "programme.caching.books.print_books"


@pytest.fixture
def queue():
    """An empty task queue: loading the fixtures for the session asked for a print."""
    DBTaskResult.objects.all().delete()


def rename_a_talk(year: int, title: str) -> None:
    """An edit as the admin or a spreadsheet import makes it: saved, then committed."""
    talk = Talk.objects.filter(conference__year=year).order_by("code").first()
    talk.title = title
    talk.save()


def test_an_edit_asks_for_a_print_a_short_delay_later(queue, django_capture_on_commit_callbacks):
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        rename_a_talk(2025, "A talk renamed by staff")

    [(task, run_after)] = waiting_prints()
    assert task == PRINT_TASK
    delay = dt.timedelta(seconds=settings.BOOK_PRINT_DELAY)
    assert before + delay <= run_after <= timezone.now() + delay


def test_many_requests_for_a_stale_book_ask_for_one_print(client, queue):
    store_current_books(Conference.objects.get(year=2025))
    Talk.objects.filter(conference__year=2025, code="A1-1").update(title="Renamed in bulk")

    for _ in range(5):
        client.get(book_url(2025))

    assert [task for task, _ in waiting_prints()] == [PRINT_TASK]


def test_an_import_in_one_transaction_asks_once(queue, django_capture_on_commit_callbacks):
    """(A burst of edits committed one by one: tests/test_book_worker.py.)"""
    with django_capture_on_commit_callbacks() as callbacks:
        for n in range(5):
            rename_a_talk(2025, f"A talk renamed {n} times")

    assert len(callbacks) == 1


def test_every_migrate_asks_for_a_print(queue):
    """A deploy migrates: the new release's books are printed before anyone asks."""
    call_command("migrate", verbosity=0)

    assert [task for task, _ in waiting_prints()] == [PRINT_TASK]


def test_a_print_that_never_starts_is_reported(queue, caplog):
    book_store.request_print(at=timezone.now() - dt.timedelta(minutes=10))

    book_store.request_print()

    assert len(waiting_prints()) == 1
    assert "is the worker running?" in caplog.text


def test_an_edit_serves_the_old_book_uncached_and_asks_for_a_print(client, queue):
    store_current_books(Conference.objects.get(year=2025))
    # A bulk update sends no signal: the view itself notices and asks.
    Talk.objects.filter(conference__year=2025, code="A1-1").update(title="Renamed in bulk")

    response = client.get(book_url(2025))

    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 as printed before"
    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")
    assert not response.has_header("Last-Modified")
    assert [task for task, _ in waiting_prints()] == [PRINT_TASK]


def test_a_new_deploy_makes_the_stored_book_stale(client, queue, new_deploy):
    store_current_books(Conference.objects.get(year=2025))
    new_deploy("the-next-release")

    response = client.get(book_url(2025))

    assert response["Cache-Control"] == "no-store"
    assert not response.has_header("ETag")
    assert [task for task, _ in waiting_prints()] == [PRINT_TASK]


@pytest.fixture
def new_deploy(monkeypatch):
    """Deploys a new release as the deploy script does: DEPLOY_ID in the environment."""

    def deploy(name: str) -> None:
        monkeypatch.setenv("DEPLOY_ID", name)
        deploy_id.cache_clear()

    yield deploy
    deploy_id.cache_clear()  # monkeypatch puts the environment back next


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-hans", "会议手册正在生成，请一分钟后再试。"),
        ("en", "The programme book is being prepared; please try again in a minute."),
    ],
)
def test_with_no_book_yet_the_answer_is_retry_later(client, queue, language, text):
    response = client.get(book_url(2025, language))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert text in response.content.decode()
    assert [task for task, _ in waiting_prints()] == [PRINT_TASK]


def test_a_current_book_is_revalidated_with_a_304(client, queue, django_assert_num_queries):
    store_current_books(Conference.objects.get(year=2025))
    first = client.get(book_url(2025))
    etag, last_modified = first["ETag"], first["Last-Modified"]

    with django_assert_num_queries(2):  # the year's version, the stored book's version
        by_etag = client.get(book_url(2025), headers={"if-none-match": etag})
    by_date = client.get(book_url(2025), headers={"if-modified-since": last_modified})

    assert first.status_code == 200
    assert first.content == b"%PDF-1.7 as printed before"
    assert first["Content-Type"] == "application/pdf"
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    version = versions.current_version(Conference.objects.get(year=2025).pk)
    assert etag == f'W/"{deploy_id()}-{version}-zh-hans-book"'
    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag["ETag"] == etag
    assert waiting_prints() == []


def test_each_language_is_served_its_own_book(client):
    conference = Conference.objects.get(year=2025)
    store_current_books(conference)
    BuiltBook.objects.filter(conference=conference, language="en").update(pdf=b"%PDF-1.7 en")

    chinese, english = client.get(book_url(2025)), client.get(book_url(2025, "en"))

    assert (chinese.content, english.content) == (b"%PDF-1.7 as printed before", b"%PDF-1.7 en")
    assert english["ETag"].endswith('-en-book"')


def test_a_year_changed_moments_ago_is_printed_later(queue):
    for conference in Conference.objects.all():
        store_current_books(conference)
    rename_a_talk(2025, "Renamed a moment ago")
    before = stored_books(2025)

    printed = book_store.print_books.call()

    changed_at = versions.year_stamps()[Conference.objects.get(year=2025).pk].changed_at
    assert printed == []
    assert stored_books(2025) == before
    assert waiting_prints() == [
        (PRINT_TASK, changed_at + dt.timedelta(seconds=settings.BOOK_PRINT_DELAY))
    ]


def test_the_print_task_prints_only_the_changed_years_books(queue, settings):
    settings.BOOK_PRINT_DELAY = 0  # the edit below has settled
    for conference in Conference.objects.all():
        store_current_books(conference)
    untouched = {year: stored_books(year) for year in (2022, 2024)}
    rename_a_talk(2025, "Renamed before the print")

    printed = book_store.print_books.call()

    assert printed == ["2025 zh-hans", "2025 en"]
    assert {year: stored_books(year) for year in (2022, 2024)} == untouched
    version = versions.current_version(Conference.objects.get(year=2025).pk)
    books = BuiltBook.objects.filter(conference__year=2025)
    assert {b.language: (b.data_version, b.deploy_id) for b in books} == dict.fromkeys(
        LANGUAGES, (version, deploy_id())
    )
    text = {b.language: squeeze(pdf_text(bytes(b.pdf))) for b in books}
    assert all("Renamedbeforetheprint" in text[language] for language in LANGUAGES)
    for language in LANGUAGES:
        with translation.override(language):
            assert squeeze(gettext("Invited talks: abstracts and speakers")) in text[language]
    assert waiting_prints() == []


def test_a_book_printed_meanwhile_is_not_printed_again(queue):
    conference = Conference.objects.get(year=2024)
    store_current_books(conference)
    before = stored_books(2024)

    printed = book_store.print_book(conference.pk, "en")

    assert printed is False
    assert stored_books(2024) == before
