"""The embedded PostgreSQL survives interruption (csmlsite/embedded_db.py).

Each test runs real processes, as `make run` and `make test` would, on a data folder of
its own (CSML_PGDATA under tmp_path; the suite's own server on .pgdata is not touched):
they are killed with SIGKILL or SIGTERM, sent to their whole process group as a
terminal or a supervisor would, at random moments of starting up and while serving;
the next process must still get an answer, and once the last one is gone no PostgreSQL
(and no watcher) may be left running for that folder.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

# A user of the embedded server: it reads the site's settings, as every manage.py command
# does, answers one query with them (pg_trgm's trigrams of a Chinese name, which the fuzzy
# search will need), says so, then stays ("stay") or exits.
USER = """
import sys, time, psycopg
from csmlsite import settings
db = settings.DATABASES["default"]
with psycopg.connect(host=db["HOST"], dbname=db["NAME"], user=db["USER"]) as connection:
    connection.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    trigrams = connection.execute("SELECT cardinality(show_trgm('王小明'))").fetchone()[0]
print("trigrams", trigrams, flush=True)
if sys.argv[1:] == ["stay"]:
    time.sleep(600)
"""


def environment(pgdata: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CSML_PGDATA"] = str(pgdata)
    return env


def start_user(pgdata: Path) -> subprocess.Popen:
    """A user that stays, in a process group of its own, like `make run` in a terminal."""
    return subprocess.Popen(  # noqa: S603  our own interpreter and program
        [sys.executable, "-c", USER, "stay"],
        cwd=PROJECT,
        env=environment(pgdata),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def serving(user: subprocess.Popen) -> subprocess.Popen:
    line = user.stdout.readline()
    assert line.startswith("trigrams"), user.stderr.read()
    return user


def kill(user: subprocess.Popen, sig: signal.Signals) -> None:
    os.killpg(user.pid, sig)
    user.wait(timeout=30)
    user.stdout.close()
    user.stderr.close()


def answer(pgdata: Path) -> subprocess.CompletedProcess:
    """A user that asks its question and exits; the question must be answered."""
    done = subprocess.run(  # noqa: S603  our own interpreter and program
        [sys.executable, "-c", USER],
        cwd=PROJECT,
        env=environment(pgdata),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    trigrams = int(done.stdout.split()[-1])
    assert trigrams > 0  # pg_trgm is there and cuts Chinese text
    return done


def server_processes(pgdata: Path) -> str:
    """Processes whose command line names the folder: the postmaster and the watcher."""
    return subprocess.run(  # noqa: S603  a fixed command
        ["pgrep", "-af", str(pgdata)],  # noqa: S607  procps, on every Debian
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def assert_stops(pgdata: Path) -> None:
    deadline = time.monotonic() + 30
    while server_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server_processes(pgdata) == ""
    assert not (pgdata / "18" / "postmaster.pid").exists()


def test_users_killed_while_starting_or_serving_leave_a_working_server(tmp_path):
    pgdata = tmp_path / "pgdata"
    # Killed at moments of starting: importing, initdb (the first start takes about 1.5 s
    # here, later ones 0.5 s), the server starting, the watcher being spawned.
    for delay in (0.15, 0.3, 0.6, 0.9, 1.2, 1.6):
        user = start_user(pgdata)
        time.sleep(delay)
        kill(user, signal.SIGKILL)
    answer(pgdata)

    # Killed while serving, with SIGKILL and with SIGTERM: no exit handler runs for
    # either (Python's default SIGTERM action ends the process outright).
    for sig in (signal.SIGKILL, signal.SIGTERM):
        kill(serving(start_user(pgdata)), sig)
        answer(pgdata)
    assert_stops(pgdata)


def test_the_server_stops_with_its_last_user_only(tmp_path):
    pgdata = tmp_path / "pgdata"
    first, second = serving(start_user(pgdata)), serving(start_user(pgdata))
    kill(first, signal.SIGKILL)
    time.sleep(1)  # time enough for a wrong stop to happen
    assert " -D " in server_processes(pgdata)  # the postmaster still runs for `second`
    answer(pgdata)
    kill(second, signal.SIGTERM)
    assert_stops(pgdata)


def test_a_folder_left_by_pgserver_with_an_empty_handle_list_is_moved_aside(tmp_path):
    """The state that broke every `make run` (issue 13): pgserver's PostgreSQL 16 folder
    with an empty .handle_pids.json. It is moved aside, untouched, and a new server runs."""
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "PG_VERSION").write_text("16\n")
    (pgdata / ".handle_pids.json").write_text("")
    (pgdata / "base").mkdir()

    done = answer(pgdata)

    moved = tmp_path / "pgdata-pg16-old"
    assert str(moved) in done.stderr
    assert (moved / "PG_VERSION").read_text() == "16\n"
    assert (moved / ".handle_pids.json").exists()
    assert (pgdata / "18" / "PG_VERSION").read_text() == "18\n"
    assert_stops(pgdata)
