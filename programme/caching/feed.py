"""This process's copy of the data versions, kept current by PostgreSQL's LISTEN/NOTIFY.

Why: a stored page is served only while its scope's version is current, and asking the
database on every request cost a query per warm page, which held warm pages to about
0.8 of a static file's rate. The triggers that bump the versions (migration 0012) also
NOTIFY `programme_versions`; PostgreSQL delivers it when the writing transaction
commits. One thread per app process listens on a connection of its own and reads every
version again (one small query) on each notice, so every process of every app server
knows of a change within milliseconds of its commit, without a query per request.

The copy is believed only while the listener is known to be alive: the thread also reads
the versions every HEARTBEAT seconds when nothing happens, and a copy older than two
heartbeats (the thread stuck, the connection silently gone) or a listener not connected
(starting, the database restarting) answers UNKNOWN: callers then ask the database, as
they did before the feed existed. Off when settings.VERSION_FEED is false (the tests:
a test's changes are rolled back, never committed, so never announced).
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

CHANNEL = "programme_versions"
APPLICATION_NAME = "csml version feed"
HEARTBEAT = 5.0  # seconds; the copy is believed for two heartbeats and a second
RETRY_AFTER = 1.0
UNKNOWN = object()  # the copy cannot be trusted: ask the database


class VersionFeed:
    def __init__(self, heartbeat: float = HEARTBEAT):
        self.heartbeat = heartbeat
        # scope -> (version, changed_at), as programme_dataversion has them
        self._versions: dict[int | None, tuple] | None = None
        self._read_at = 0.0
        self._pid = None  # the process the thread runs in: a forked worker starts its own
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def version(self, scope: int | None):
        """The current version of `scope` (None if the year is gone), or UNKNOWN."""
        row = self.row(scope)
        return row if row is UNKNOWN or row is None else row[0]

    def row(self, scope: int | None):
        """(version, changed_at) of `scope` now, None if the year is gone, or UNKNOWN."""
        if self._pid != os.getpid():
            self._start()
        versions = self._versions
        if versions is None or time.monotonic() - self._read_at > 2 * self.heartbeat + 1:
            return UNKNOWN
        return versions.get(scope)

    def wait_until_live(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.version(None) is UNKNOWN:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self):
        """Ends the thread within a heartbeat (the tests' feeds)."""
        self._stopping.set()

    def _start(self):
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._versions = None
            self._stopping.clear()
            threading.Thread(target=self._run, name="version-feed", daemon=True).start()

    def _run(self):
        while not self._stopping.is_set():
            try:
                self._listen()
            except Exception as error:  # any failure: forget the copy, retry, meanwhile ask
                self._versions = None
                if not self._stopping.is_set():
                    logger.warning("Version feed lost (%s); pages ask the database.", error)
                    time.sleep(RETRY_AFTER)

    def _listen(self):
        wrapper = connections.create_connection("default")
        try:
            wrapper.connect()
            connection = wrapper.connection
            connection.autocommit = True
            # Named, for pg_stat_activity: one such connection per app process.
            connection.execute(f"SET application_name = '{APPLICATION_NAME}'")
            # LISTEN before the first read: a change committed in between is announced.
            connection.execute(f"LISTEN {CHANNEL}")
            self._read(connection)
            while not self._stopping.is_set():
                for _ in connection.notifies(timeout=self.heartbeat, stop_after=1):
                    pass
                self._read(connection)
        finally:
            self._versions = None
            wrapper.close()

    def _read(self, connection):
        rows = connection.execute(
            "SELECT conference_id, version, changed_at FROM programme_dataversion"
        )
        self._versions = {scope: (version, changed_at) for scope, version, changed_at in rows}
        self._read_at = time.monotonic()


_feed = VersionFeed()


def restart():
    """Stops this process's feed and begins a new one at its next use (the tests, which
    turn the feed on for a test and off again). A new object: the old thread may run on
    for up to a heartbeat, and writes only to its own."""
    global _feed
    _feed.stop()
    _feed = VersionFeed()


def announced_version(scope: int | None):
    """The version of `scope` as the feed knows it, or UNKNOWN (also when it is off)."""
    if not settings.VERSION_FEED:
        return UNKNOWN
    return _feed.version(scope)


def announced_row(scope: int | None):
    """(version, changed_at) of `scope` as the feed knows it, None if the year is gone,
    or UNKNOWN (also when it is off)."""
    if not settings.VERSION_FEED:
        return UNKNOWN
    return _feed.row(scope)
