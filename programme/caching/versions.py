"""Reading the data versions (programme.models.DataVersion, kept by database triggers).

A page depends on one scope: a year (its conference's id) or, for pages that span years
(the archive, people, search), the overall version. `Stamp` is what a page was built
from; the page cache, the ETags, the kept programmes and the books compare stamps.

Raw SQL on purpose: these run on every public request, cached or not, and composing them
through the ORM costs more than running them.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from programme.caching import feed, programmes
from programme.models import Conference, DataVersion

OVERALL = None  # the scope of pages that span years


@dataclass(frozen=True)
class Stamp:
    scope: int | None  # a conference id, or OVERALL
    version: int
    changed_at: dt.datetime


OVERALL_SQL = "SELECT version, changed_at FROM programme_dataversion WHERE conference_id IS NULL"
SCOPE_SQL = "SELECT version FROM programme_dataversion WHERE conference_id IS NOT DISTINCT FROM %s"
# With the name of the year's latest schedule release (frab's version): a release bumps
# the year's version like any change, so it is kept with the conference.
CONFERENCE_SQL = (
    "SELECT c.*, v.version AS data_version, v.changed_at AS data_changed_at, "
    "(SELECT r.name FROM programme_release r WHERE r.conference_id = c.id "
    "ORDER BY r.created_at DESC LIMIT 1) AS latest_release "
    "FROM programme_conference c JOIN programme_dataversion v ON v.conference_id = c.id "
    "WHERE c.year = %s AND (c.published OR %s)"
)


def overall() -> Stamp:
    """The overall stamp: from this process's copy (feed.py) when it is live, else read."""
    announced = feed.announced_row(OVERALL)
    if announced is not feed.UNKNOWN and announced is not None:
        return Stamp(OVERALL, *announced)
    with connection.cursor() as cursor:
        cursor.execute(OVERALL_SQL)
        row = cursor.fetchone()
    if row is None:  # a flushed test database: the row comes back on first use
        row = DataVersion.objects.get_or_create(conference=None)[0]
        return Stamp(OVERALL, row.version, row.changed_at)
    return Stamp(OVERALL, *row)


def conference_with_stamp(year: int, *, drafts: bool = False) -> Conference | None:
    """The published conference of `year` (or a draft too, for staff previews) with its
    `stamp`, in one query; None if there is none.

    Without the query when this process's copy of the versions (feed.py) says the year
    is still at the version the conference was last read at: a version stands for the
    same committed data, the conference's own row included (a write to it bumps the
    version, publishing and unpublishing too), so the conference read then is the one
    the query would return (kept by programmes.py, with the programmes)."""
    if not drafts:
        known = programmes.kept_conference(year)
        if known is not None and feed.announced_version(known.pk) == known.stamp.version:
            return known
    found = list(Conference.objects.raw(CONFERENCE_SQL, [year, drafts]))
    if not found:
        return None
    conference = found[0]
    conference.stamp = Stamp(conference.pk, conference.data_version, conference.data_changed_at)
    if not drafts:
        programmes.keep_conference(conference)
    return conference


def current_version(scope: int | None) -> int | None:
    """The version of `scope` now; None if the year is gone. From this process's copy
    (feed.py) when it is live, else from the database."""
    announced = feed.announced_version(scope)
    if announced is not feed.UNKNOWN:
        return announced
    with connection.cursor() as cursor:
        cursor.execute(SCOPE_SQL, [scope])
        row = cursor.fetchone()
    return row[0] if row else None


def year_stamps() -> dict[int, Stamp]:
    """Every year's stamp, by conference id."""
    rows = DataVersion.objects.filter(conference__isnull=False)
    return {
        row.conference_id: Stamp(row.conference_id, row.version, row.changed_at) for row in rows
    }
