"""The real worker: `manage.py db_worker`, as `make run` and the deploy run it, prints the
book of a year after a burst of committed edits, once, in another process, from the test
database.

The worker sees only committed data, so this test commits (a small new year and five
edits) and removes everything it committed afterwards; every other year's books are
stored as current first, so that the worker prints two small books and nothing else."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import Q
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from programme.caching import versions
from programme.caching.deploy import deploy_id
from programme.models import (
    BuiltBook,
    Conference,
    Person,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
)
from tests.factories import one_talk_year
from tests.test_book import (
    LANGUAGES,
    book_url,
    pdf_text,
    squeeze,
    store_current_books,
    stored_books,
)

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2032


def database_url() -> str:
    """The test database (pytest-django's, named test_...) as DATABASE_URL."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = quote(db["HOST"] or "localhost", safe="")  # a socket directory is a host too
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}:{password}@{host}{port}/{db['NAME']}"


def run_worker() -> subprocess.CompletedProcess:
    """The worker until the queue is empty (--batch), as a separate process."""
    env = {**os.environ, "DATABASE_URL": database_url(), "BOOK_PRINT_DELAY": "0"}
    return subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def committed_burst(django_db_setup, django_db_blocker):
    """A small new year, then a burst of five edits to it, each committed on its own as
    five saves in the admin would be. Module-scoped, so set up before the test's own
    transaction begins: committed."""
    with django_db_blocker.unblock():
        for conference in Conference.objects.all():
            store_current_books(conference)
        try:
            conference = one_talk_year(YEAR)
            DBTaskResult.objects.all().delete()  # the prints asked for until now
            talk = Talk.objects.get(conference=conference)
            with override_settings(BOOK_PRINT_DELAY=0):  # so the print is due at once
                for n in range(1, 6):
                    talk.title = f"Edited {n} times"
                    talk.save()
            yield conference
        finally:
            remove_year(YEAR)
            BuiltBook.objects.all().delete()
            DBTaskResult.objects.all().delete()


def remove_year(year: int) -> None:
    """The year, its people and its history rows: what one_talk_year committed."""
    conference = Conference.objects.filter(year=year).first()
    if conference is None:
        return
    people = list(
        Person.objects.filter(
            Q(talks__conference=conference)
            | Q(chaired_sessions__conference=conference)
            | Q(committeemembership__conference=conference)
        ).values_list("pk", flat=True)
    )
    sessions = list(conference.sessions.values_list("pk", flat=True))
    talks = list(conference.talks.values_list("pk", flat=True))
    conference_id = conference.pk
    conference.delete()
    Person.objects.filter(pk__in=people).delete()
    Session.history.filter(conference_id=conference_id).delete()
    Talk.history.filter(conference_id=conference_id).delete()
    SessionChair.history.filter(session_id__in=sessions).delete()
    TalkSpeaker.history.filter(talk_id__in=talks).delete()


@pytest.mark.django_db  # also makes pytest-django set up the test database
def test_a_burst_of_edits_is_printed_once_by_the_worker(committed_burst, client):
    others = {year: stored_books(year) for year in (2022, 2024, 2025)}
    tasks = list(DBTaskResult.objects.all())

    worker = run_worker()

    assert len(tasks) == 1  # five commits, one print asked for
    tasks[0].refresh_from_db()
    assert worker.returncode == 0, worker.stdout + worker.stderr
    assert (tasks[0].status, tasks[0].return_value) == (
        TaskResultStatus.SUCCESSFUL,
        [f"{YEAR} zh-hans", f"{YEAR} en"],
    )
    version = versions.current_version(committed_burst.pk)
    books = BuiltBook.objects.filter(conference=committed_burst)
    assert {b.language: (b.data_version, b.deploy_id) for b in books} == (
        dict.fromkeys(LANGUAGES, (version, deploy_id()))
    )
    assert all("Edited5times" in squeeze(pdf_text(bytes(b.pdf))) for b in books)
    assert {year: stored_books(year) for year in others} == others
    response = client.get(book_url(YEAR))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
