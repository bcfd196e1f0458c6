"""The programme book PDF of each year: printed once per data version, shared by every
app process, and never printed twice at the same time.

Why: WeasyPrint takes 8-11 s to print a book. Printed inside each request that asks for
it, every worker receiving a book request right after an edit would print its own copy at
once, and a sync worker printing is a worker not serving the schedule. So a print is
stored in the database (BuiltBook) for every process to serve, and a PostgreSQL advisory
lock lets one process print at a time. While it prints, the others hand out the book
they last had (the caller marks it as not to be cached); only when there has never been
a book do they wait for the print to finish.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import get_language

from programme.exporters.book import programme_book_pdf
from programme.models import BuiltBook, Conference

# The first key of PostgreSQL's two-key advisory locks, for this module's locks ("book").
LOCK_SPACE = 0x626F6F6B


@dataclass(frozen=True)
class Book:
    pdf: bytes
    current: bool  # False: an earlier version, served while the current one is printed


def book_for(conference: Conference) -> Book:
    """The book of `conference` (from `queries.conference_with_state`) in the active
    language, as of its `data_version` unless that one is being printed elsewhere."""
    version, language = conference.stamp.version, get_language()
    stored = _stored(conference, language)
    if stored is not None and stored.data_version >= version:
        return Book(bytes(stored.pdf), current=True)
    with _print_lock(conference, wait=stored is None) as locked:
        if not locked:
            return Book(bytes(stored.pdf), current=False)
        stored = _stored(conference, language)  # printed by another process meanwhile?
        if stored is not None and stored.data_version >= version:
            return Book(bytes(stored.pdf), current=True)
        pdf = programme_book_pdf(conference)
        BuiltBook.objects.update_or_create(
            conference=conference,
            language=language,
            defaults={"data_version": version, "pdf": pdf},
        )
    return Book(pdf, current=True)


def _stored(conference: Conference, language: str) -> BuiltBook | None:
    return BuiltBook.objects.filter(conference=conference, language=language).first()


@contextmanager
def _print_lock(conference: Conference, *, wait: bool):
    """The year's print lock: taken (waiting for it if `wait`), or False if another
    process holds it. A session lock, released as soon as the print is stored (a
    transaction lock would last as long as an enclosing transaction) or when the
    connection ends, should the process die while printing."""
    key = [LOCK_SPACE, conference.pk]
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
            locked = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
