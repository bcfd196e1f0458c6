"""Shared pieces of the bench scripts: a private PostgreSQL, scratch databases, gunicorn,
synthetic years, and the per-page measurement done in-process with Django's test Client.

Nothing here touches the shared embedded server (.pgdata) or its test databases: the
in-process scripts create a scratch database with a name of their own on whatever server
the settings point at, and the HTTP scripts run a private embedded server under /tmp
(BENCH_PGDATA, default /tmp/csml-bench-pg) that they may stop and start at will.
"""

import datetime as dt
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"  # git-ignored
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PGDATA = Path(os.environ.get("BENCH_PGDATA", "/tmp/csml-bench-pg"))  # noqa: S108 (private)


# ---------------------------------------------------------------------------
# Numbers.


def median(values):
    return statistics.median(values) if values else float("nan")


def p95(values):
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def machine() -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
    }


# ---------------------------------------------------------------------------
# A private PostgreSQL under /tmp, which the fault tests may stop and start. It is the
# embedded server (csmlsite/embedded_db.py) on another folder: it runs while the bench
# script that started it runs (gunicorn and manage.py reach it through DATABASE_URL and
# do not count as its users) and stops after it, however the script ended.


def _embedded_db():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from csmlsite import embedded_db

    return embedded_db


def start_private_server() -> str:
    """Start the private server (or find it running, or start it again after
    stop_private_server); return its socket directory."""
    return str(_embedded_db().use_server(PGDATA))


def stop_private_server():
    _embedded_db().stop_server(PGDATA)


def restart_private_server():
    """Start the stopped private server again."""
    start_private_server()


def socket_directory() -> str:
    embedded_db = _embedded_db()
    return str(embedded_db.socket_dir(PGDATA.resolve() / embedded_db.MAJOR))


def psql(sql: str, database: str = "postgres") -> str:
    binary = _embedded_db().binary("psql")
    return subprocess.run(
        [
            str(binary),
            "-h",
            socket_directory(),
            "-U",
            "postgres",
            "-d",
            database,
            "-qAt",
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout


def database_url(name: str) -> str:
    return f"postgres://postgres@{socket_directory().replace('/', '%2F')}/{name}"


def recreate_database(name: str):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')
    psql(f'CREATE DATABASE "{name}";')


def drop_database(name: str):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE);')


# ---------------------------------------------------------------------------
# gunicorn with production settings on 127.0.0.1.


def production_env(name: str, **extra) -> dict:
    """DEBUG=0 with a fresh SECRET_KEY, on the scratch database `name`. Settings are
    csmlsite.settings with STATIC_ROOT moved to bench/out/static (bench/load_settings.py):
    the checked-out staticfiles/ is built with DEBUG on and has no manifest."""
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url(name),
        DJANGO_SETTINGS_MODULE="load_settings",
        PYTHONPATH=f"{BENCH}:{ROOT}",
    )
    env.update(extra)
    return env


def manage(env: dict, *args, check=True, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        check=check,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def prepare_site(name: str) -> dict:
    """Scratch database `name` migrated and loaded with fixtures/*.yaml; static files
    collected with the manifest. Returns the production environment."""
    start_private_server()
    recreate_database(name)
    env = production_env(name)
    manage(env, "migrate", "--no-input")
    manage(env, "import_programme", *map(str, sorted((ROOT / "fixtures").glob("csml*.yaml"))))
    manage(env, "collectstatic", "--no-input")
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn csmlsite.wsgi` with 2 sync workers on 127.0.0.1; a context manager that
    always stops it."""

    def __init__(self, env: dict, workers: int = 2, app: str = "csmlsite.wsgi", cwd=ROOT):
        self.env, self.workers, self.app, self.cwd = env, workers, app, cwd
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = open(OUT / f"gunicorn-{self.port}.log", "w")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                self.app,
                "--workers",
                str(self.workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
            ],
            env=self.env,
            cwd=self.cwd,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                fetch(self.base + "/static/programme/site.css")
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError(f"gunicorn did not start; see {self.log.name}")

    def __exit__(self, *exc):
        stop(self.process, self.log)


def stop(process: subprocess.Popen, log, timeout: float = 30):
    """Stop a server the bench started (SIGTERM, then SIGKILL after `timeout`) and close
    its log."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


# A reverse proxy terminates TLS and says so; without it SECURE_SSL_REDIRECT answers 301.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def fetch(url: str, headers: dict | None = None, timeout: float = 30):
    """(status, headers, body) of a GET; HTTP errors are returned, not raised."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError(f"the benches only talk to 127.0.0.1, not {url}")
    request = urllib.request.Request(url, headers={**PROXY_HEADERS, **(headers or {})})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# ---------------------------------------------------------------------------
# Synthetic years, written as fixture files for the real importer.


def synthetic_year_file(source: Path, year: int, folder: Path) -> Path:
    """`source` (a real fixture) moved to `year`: the year, every date, the names that
    print the year. Codes are per year (natural key (year, code)), so they stay; people
    stay too, so the same people appear in every year as they do in a real series."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    old = data["year"]

    def move(value):
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        if isinstance(value, list):
            return [move(v) for v in value]
        if isinstance(value, dt.date):
            return value.replace(year=year)
        return value

    data = move(data)
    data["year"] = year
    conference = data["conference"]
    for key in ("name_zh", "name_en", "short_name"):
        conference[key] = conference[key].replace(str(old), str(year))
    path = folder / f"csml{year}.yaml"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(
        yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=120),
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------------------
# In-process measurement (django must be set up by the caller).


class Counters:
    """Counts, during a request, how often a view's handler ran (View.dispatch, which
    CachedPageMixin calls only to render) and how many templates were rendered."""

    def __init__(self):
        from django.template.backends.django import Template
        from django.views.generic.base import View

        self.handlers = self.renders = 0
        counters = self
        original_dispatch, original_render = View.dispatch, Template.render

        def dispatch(self, *args, **kwargs):
            counters.handlers += 1
            return original_dispatch(self, *args, **kwargs)

        def render(self, *args, **kwargs):
            counters.renders += 1
            return original_render(self, *args, **kwargs)

        View.dispatch, Template.render = dispatch, render

    def reset(self):
        self.handlers = self.renders = 0


_counters = None


def measure_page(client, url: str, *, cold: int, warm: int) -> dict:
    """Queries, server time (ms) and work done for `url`: as right after a data change
    (cold: no cached page, no kept programme), with only the page missing from the page
    cache (miss: the year's programme kept by programme.year_memo, as for every page but
    the first after a change), with the page cached (warm), and as a conditional request
    carrying the page's ETag (revalidation)."""
    global _counters
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programme.caching import programmes as year_memo

    if _counters is None:
        _counters = Counters()

    def one(headers=None):
        _counters.reset()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, headers=headers or {})
            elapsed = (time.perf_counter() - started) * 1000
        content = b"" if response.streaming else response.content
        return {
            "status": response.status_code,
            "ms": elapsed,
            "queries": len(captured.captured_queries),
            "sql": [q["sql"] for q in captured.captured_queries],
            "bytes": len(content),
            "handlers": _counters.handlers,
            "renders": _counters.renders,
            "etag": response.get("ETag"),
        }

    colds = []
    for _ in range(cold):
        cache.clear()
        year_memo.forget_all()
        colds.append(one())
    misses = []
    for _ in range(cold):
        cache.clear()
        misses.append(one())
    one()  # prime
    warms = [one() for _ in range(warm)]
    result = {
        "url": url,
        "status": colds[0]["status"],
        "bytes": colds[0]["bytes"],
        "cold_queries": max(r["queries"] for r in colds),
        "cold_sql": colds[0]["sql"],
        "cold_median": median([r["ms"] for r in colds]),
        "cold_p95": p95([r["ms"] for r in colds]),
        "cold_renders": colds[0]["renders"],
        "miss_queries": max(r["queries"] for r in misses),
        "miss_median": median([r["ms"] for r in misses]),
        "miss_p95": p95([r["ms"] for r in misses]),
        "warm_queries": max(r["queries"] for r in warms),
        "warm_median": median([r["ms"] for r in warms]),
        "warm_p95": p95([r["ms"] for r in warms]),
        "warm_handlers": max(r["handlers"] for r in warms),
    }
    etag = warms[0]["etag"]
    if etag:
        conditional = [one({"If-None-Match": etag}) for _ in range(warm)]
        result.update(
            not_modified_status=conditional[0]["status"],
            not_modified_queries=max(r["queries"] for r in conditional),
            not_modified_median=median([r["ms"] for r in conditional]),
            not_modified_handlers=max(r["handlers"] for r in conditional),
            not_modified_renders=max(r["renders"] for r in conditional),
        )
    return result


def page_table(results: list[dict]) -> str:
    """A markdown table of measure_page results."""
    lines = [
        "| page | status | KiB | queries cold / miss / warm / 304 | cold ms median (p95) "
        "| miss ms median (p95) | warm ms median (p95) | 304 ms median "
        "| 304 status, views run, renders |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if "not_modified_status" in r:
            nm_q = r["not_modified_queries"]
            nm_ms = f"{r['not_modified_median']:.2f}"
            nm = f"{r['not_modified_status']}, {r['not_modified_handlers']}, "
            nm += f"{r['not_modified_renders']}"
        else:
            nm_q, nm_ms, nm = "-", "-", "no ETag"
        lines.append(
            f"| `{r['url']}` | {r['status']} | {r['bytes'] / 1024:.0f} "
            f"| {r['cold_queries']} / {r['miss_queries']} / {r['warm_queries']} / {nm_q} "
            f"| {r['cold_median']:.1f} ({r['cold_p95']:.1f}) "
            f"| {r['miss_median']:.1f} ({r['miss_p95']:.1f}) "
            f"| {r['warm_median']:.2f} ({r['warm_p95']:.2f}) | {nm_ms} | {nm} |"
        )
    return "\n".join(lines)


def write_json(name: str, payload) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    return path
