"""The programme book PDF of each year and language: printed by a background worker,
stored in the database (BuiltBook) for every app process, never printed in a request.

Why: WeasyPrint takes 7-11 s to print a book. A web worker printing is a worker not
serving the schedule, and every worker that got a book request right after an edit would
have printed its own copy. So the web request only reads what is stored, and printing is
a task for `manage.py db_worker` (django-tasks with its database backend: the queue is a
table, PostgreSQL stays the only service).

A stored book is current while its data version is its year's version now (kept by the
database's triggers, programme.caching.versions) and it was printed by this deploy
(programme.caching.deploy): a new release prints every book again.

Asking for a print (`request_print`) enqueues one `print_books` task BOOK_PRINT_DELAY
seconds later, unless one is already waiting: a burst of edits, or many requests for a
stale book, ask for one print. It is asked after every committed change to programme data
(signals, `connect_signals`), after every migrate, and by the book's view whenever it
finds its book stale or missing, which also covers writes that no signal sees
(QuerySet.update, raw SQL, psql).
The task needs no list of what changed: it compares every year's version with its stored
books and prints the stale ones, most recent year first. A year changed less than
BOOK_PRINT_DELAY ago is left for a later run of the task, which it enqueues: that is the
debounce. Two workers never print the same year at once (a PostgreSQL advisory lock).
"""

import datetime as dt
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils import timezone, translation
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from programme.caching import versions
from programme.caching.deploy import deploy_id
from programme.exporters.book import programme_book_pdf
from programme.models import BuiltBook, Conference, DataVersion

logger = logging.getLogger(__name__)

# The first key of PostgreSQL's two-key advisory locks, for this module's locks ("book"):
# (LOCK_SPACE, conference id) while a year prints, (LOCK_SPACE, QUEUE) while a print is
# asked for (conference ids start at 1).
LOCK_SPACE = 0x626F6F6B
QUEUE = 0
# A print waiting this long after it was due means no worker is running (README, Deploy).
WORKER_OVERDUE = dt.timedelta(minutes=5)


# ---------------------------------------------------------------------------
# Reading (the web request)


def stored_book(conference_id: int, language: str) -> BuiltBook | None:
    """The stored book of a year in `language`, its PDF not read until asked for (a 304
    needs only the version and date)."""
    found = BuiltBook.objects.defer("pdf").filter(conference_id=conference_id, language=language)
    return found.first()


def is_current(book: BuiltBook, version: int) -> bool:
    """Printed from data `version` (the year's version now) by this deploy."""
    return book.data_version == version and book.deploy_id == deploy_id()


def book_etag(book: BuiltBook) -> str:
    # Weak, like the pages' (programme.caching.pages.page_etag): the same book printed
    # again from the same data and code is the same book, if not the same bytes.
    return f'W/"{book.deploy_id}-{book.data_version}-{book.language}-book"'


# ---------------------------------------------------------------------------
# Asking for a print


def request_print(*, at: dt.datetime | None = None) -> None:
    """Have the stale books printed at `at` (default: BOOK_PRINT_DELAY seconds from now),
    unless a print is already waiting: that one will see every change made until it
    runs. The advisory lock makes check-then-enqueue one step for all processes."""
    now = timezone.now()
    if at is None:
        at = now + dt.timedelta(seconds=settings.BOOK_PRINT_DELAY)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, QUEUE])
        due = waiting_prints().values_list("run_after", flat=True).first()
        if due is None:
            print_books.using(run_after=at).enqueue()
        elif due < now - WORKER_OVERDUE:
            logger.warning("A book print due at %s has not started: is the worker running?", due)


def waiting_prints():
    """The enqueued print tasks that no worker has started."""
    return DBTaskResult.objects.filter(
        task_path=print_books.module_path, status=TaskResultStatus.READY
    )


def programme_data_changed(sender, using, **kwargs):
    """A programme model was saved, deleted or had its many-to-many changed: ask for a
    print once the change is committed, once per transaction (an import saves hundreds
    of rows in one)."""
    pending = transaction.get_connection(using).run_on_commit
    if not any(entry[1] is request_print for entry in pending):
        # robust: a failure to enqueue is logged, not shown to whoever saved; the book's
        # view asks again when it finds the book stale.
        transaction.on_commit(request_print, using=using, robust=True)


def migrated(sender, using, **kwargs):
    """After every migrate (each deploy, `make db`): a new release's books, and any a
    stopped worker left unprinted, are printed before a reader asks for them."""
    try:
        request_print()
    except DatabaseError as error:  # the task table migrated away: nothing to ask
        logger.warning("No book print asked for after migrate: %s", error)


def connect_signals(app_config) -> None:
    """Called from ProgrammeConfig.ready(). Every model of the app (through tables of
    many-to-many fields included) but the ones that are not programme data; a model
    whose table has no version trigger only costs a task that finds nothing stale."""
    post_migrate.connect(migrated, sender=app_config, dispatch_uid="book-print-migrate")
    for model in app_config.get_models(include_auto_created=True):
        if model in (BuiltBook, DataVersion):
            continue
        uid = f"book-print-{model._meta.label}"
        post_save.connect(programme_data_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(programme_data_changed, sender=model, dispatch_uid=uid)
        m2m_changed.connect(programme_data_changed, sender=model, dispatch_uid=uid)


# ---------------------------------------------------------------------------
# Printing (the worker)


class BooksNotPrinted(Exception):
    """Some books failed to print (each logged with its traceback); the task fails."""


@task()
def print_books() -> list[str]:
    """Print every stale book of every year (drafts too: staff preview them), most recent
    year first; return what was printed, e.g. ["2025 zh-hans", "2025 en"]. A year
    changed less than BOOK_PRINT_DELAY ago waits for a later run, enqueued here."""
    now = timezone.now()
    delay = dt.timedelta(seconds=settings.BOOK_PRINT_DELAY)
    stamps = versions.year_stamps()
    stored = {
        (conference_id, language): (version, deploy)
        for conference_id, language, version, deploy in BuiltBook.objects.values_list(
            "conference_id", "language", "data_version", "deploy_id"
        )
    }
    printed, failed, later = [], [], None
    for conference in Conference.objects.filter(pk__in=stamps).order_by("-year"):
        stamp = stamps[conference.pk]
        stale = [
            language
            for language, _ in settings.LANGUAGES
            if stored.get((conference.pk, language)) != (stamp.version, deploy_id())
        ]
        if not stale:
            continue
        settled_at = stamp.changed_at + delay
        if settled_at > now:
            later = settled_at if later is None else min(later, settled_at)
            continue
        for language in stale:
            try:
                if print_book(conference.pk, language):
                    printed.append(f"{conference.year} {language}")
            except Exception:
                # One year's broken book must not keep the other years' from printing.
                logger.exception("The %s book (%s) failed to print", conference.year, language)
                failed.append(f"{conference.year} {language}")
    if later is not None:
        request_print(at=later)
    if failed:
        raise BooksNotPrinted(", ".join(failed))  # the task is marked failed, with the list
    return printed


def print_book(conference_id: int, language: str) -> bool:
    """Print and store one book unless it is current by the time this worker holds the
    year's lock (another worker printed it meanwhile); True if printed."""
    with print_lock(conference_id):
        # The version is read before the data, so a book is never stamped newer than
        # what it prints: an edit made while printing leaves it stale, to print again.
        # From the database itself, not this process's copy (versions.current_version
        # may answer from feed.py's, which learns of a commit a moment after it).
        version = (
            DataVersion.objects.filter(conference_id=conference_id)
            .values_list("version", flat=True)
            .first()
        )
        book = stored_book(conference_id, language)
        if version is None or (book is not None and is_current(book, version)):
            return False
        conference = Conference.objects.get(pk=conference_id)
        started = time.monotonic()
        with translation.override(language):
            pdf = programme_book_pdf(conference)
        BuiltBook.objects.update_or_create(
            conference=conference,
            language=language,
            defaults={"data_version": version, "deploy_id": deploy_id(), "pdf": pdf},
        )
    logger.info(
        "Printed the %s book (%s, version %s) in %.1f s",
        conference.year,
        language,
        version,
        time.monotonic() - started,
    )
    return True


@contextmanager
def print_lock(conference_id: int):
    """The year's print lock, waited for: a second worker reaching a year that is
    printing waits, then finds the book current (or prints the newer version). A session
    lock, released as soon as the print is stored (a transaction lock would last as long
    as an enclosing transaction) or when the connection ends, should the worker die."""
    key = [LOCK_SPACE, conference_id]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
