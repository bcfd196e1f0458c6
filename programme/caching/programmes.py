"""Each year's programme, read once per data version and kept in this process.

Why: every public page of a year (home, schedule, abstracts, speakers, a session, a talk,
the calendar and frab exports) is built from the same four-query read of the year,
`queries.programme_for_conference`. Any write to a year bumps its data version (a
database trigger), which retires every stored page of the year at once; right after an
edit during the conference, hundreds of different pages miss the page store together.
Keeping the read per version means the first of them pays ~30 ms for it and the others only render.

Correctness rests on the version: a request reads it with its conference before anything
else (`versions.conference_with_stamp`), and a committed version number always stands for
the same committed data, because the trigger increments it under a row lock in the
writing transaction. So a kept programme is used only for the version it was read at.

The objects are shared by the requests of this process: pages read them and never set
attributes on them (per-request reads, such as a talk's other talks, travel beside them
in the template context).
"""

from threading import Lock

from programme.models import Conference
from programme.queries import Programme, programme_for_conference

_kept: dict[int, tuple[int, Programme]] = {}  # conference id -> (data version, programme)
_conferences: dict[int, Conference] = {}  # year -> its published conference, with stamp
_lock = Lock()


def year_programme(conference: Conference) -> Programme:
    """The programme of `conference` (from `versions.conference_with_stamp`, which sets
    its `stamp`), read now or kept from an earlier request of the same version."""
    version = conference.stamp.version
    kept = _kept.get(conference.pk)
    if kept is not None and kept[0] == version:
        return kept[1]
    programme = programme_for_conference(conference)
    with _lock:
        # Another thread may have kept a newer version meanwhile: never go back.
        current = _kept.get(conference.pk)
        if current is None or current[0] <= version:
            _kept[conference.pk] = (version, programme)
    return programme


def keep_conference(conference: Conference):
    """The published conference of its year as just read with its stamp, for
    `versions.conference_with_stamp` to return while the feed says that version is
    current. Shared by the requests of this process like the programmes."""
    _conferences[conference.year] = conference


def kept_conference(year: int) -> Conference | None:
    return _conferences.get(year)


def forget_all():
    """Drop every kept programme and conference. Tests call it: a rolled-back test may
    have kept a year under a version number that the next test reaches again with other
    data."""
    with _lock:
        _kept.clear()
        _conferences.clear()
