"""Fault tests under load, on 127.0.0.1 only: the database goes away and comes back; a
malformed fixture is imported while the site is serving.

Run: .venv/bin/python bench/bench_faults.py [--outage 5] [--threads 4]
Starts a private PostgreSQL under /tmp (BENCH_PGDATA), creates the scratch database
csml_bench_faults with fixtures/*.yaml, runs gunicorn with production settings (2 sync
workers, warm page cache) and a bounded load of `--threads` clients looping over five
pages, then:
  (a) stops PostgreSQL (fast shutdown), waits --outage s, starts it again, keeps the load
      on for 15 s: errors before / during / after the outage, and the recovery time from
      the restart to the first success and to the last error;
  (b) with the load on, imports malformed fixtures with `manage.py import_programme`
      (a YAML syntax error; a valid, changed 2025 file together with a file that has a
      talk without a title): each must fail, the pages must be byte-identical before and
      after, the ETags (data version) unchanged, and the load must see zero errors.
gunicorn is stopped and the database dropped at the end. Writes bench/out/faults-*.json.
"""

import argparse
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

DATABASE = "csml_bench_faults"
PAGES = [
    "/2025/schedule/",
    "/2025/sessions/A1/",
    "/2025/talks/A1-1/",
    "/2025/schedule.xml",
    "/search/?q=%E6%89%A9%E6%95%A3",
]


class Load:
    """`threads` clients, each requesting PAGES in turn until stopped (or `limit` s)."""

    def __init__(self, base: str, threads: int, limit: float = 120):
        self.base, self.limit = base, limit
        self.events = []  # (seconds since start, path, status or exception name)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(threads)]

    def client(self, offset: int):
        n = offset
        while not self.stopping.is_set() and time.monotonic() - self.started < self.limit:
            path = PAGES[n % len(PAGES)]
            n += 1
            try:
                status = benchlib.fetch(self.base + path, timeout=10)[0]
            except OSError as error:
                status = type(error).__name__
            self.events.append((time.monotonic() - self.started, path, status))

    def __enter__(self):
        self.started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def now(self) -> float:
        return time.monotonic() - self.started

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def ok(status) -> bool:
    return isinstance(status, int) and 200 <= status < 400


def snapshot(base: str) -> dict:
    found = {}
    for path in PAGES:
        status, headers, body = benchlib.fetch(base + path)
        found[path] = (status, headers.get("ETag"), body)
    return found


def outage(base: str, threads: int, seconds: float) -> dict:
    with Load(base, threads) as load:
        time.sleep(5)
        down = load.now()
        benchlib.stop_private_server()
        stopped = load.now()
        time.sleep(seconds)
        benchlib.restart_private_server()
        up = load.now()
        time.sleep(15)
    events = sorted(load.events)
    before = [e for e in events if e[0] < down]
    during = [e for e in events if down <= e[0] < up]
    after = [e for e in events if e[0] >= up]
    first_ok = next((t for t, _, s in after if ok(s)), None)
    errors_after = [t for t, _, s in after if not ok(s)]
    last_error = max(errors_after) if errors_after else None
    settled = [e for e in after if last_error is None or e[0] > last_error]
    return {
        "stop_called_at": down,
        "stopped_at": stopped,
        "restarted_at": up,
        "requests_before": len(before),
        "errors_before": sum(not ok(s) for *_, s in before),
        "requests_during": len(during),
        "errors_during": sum(not ok(s) for *_, s in during),
        "statuses_during": dict(Counter(str(s) for *_, s in during)),
        "requests_after": len(after),
        "errors_after_restart": len(errors_after),
        "statuses_after": dict(Counter(str(s) for *_, s in after)),
        "first_success_after_restart_s": None if first_ok is None else first_ok - up,
        "last_error_after_restart_s": None if last_error is None else last_error - up,
        "requests_after_last_error": len(settled),
    }


def malformed_files(folder: Path) -> list[list[Path]]:
    source = (benchlib.ROOT / "fixtures" / "csml2025.yaml").read_text(encoding="utf-8")
    syntax = folder / "syntax" / "csml2025.yaml"
    syntax.parent.mkdir()
    syntax.write_text(source[: len(source) // 2] + "\n  - {unclosed: [\n", encoding="utf-8")
    changed = folder / "pair" / "csml2025.yaml"
    changed.parent.mkdir()
    changed.write_text(source.replace("深度学习理论", "深度学习理论（改）"), encoding="utf-8")
    no_title = folder / "pair" / "csml2024.yaml"
    text = (benchlib.ROOT / "fixtures" / "csml2024.yaml").read_text(encoding="utf-8")
    start = text.index("\n    title:", text.index("\nsessions:"))
    end = text.index("\n", start + 1)
    no_title.write_text(text[:start] + text[end:], encoding="utf-8")
    return [[syntax], [changed, no_title]]


def failed_imports(base: str, env: dict, threads: int) -> dict:
    before = snapshot(base)
    imports = []
    with (
        tempfile.TemporaryDirectory(prefix="csml-faults-") as folder,
        Load(base, threads) as load,
    ):
        for files in malformed_files(Path(folder)):
            time.sleep(3)
            started = load.now()
            done = benchlib.manage(env, "import_programme", *map(str, files), check=False)
            imports.append(
                {
                    "files": [f"{f.parent.name}/{f.name}" for f in files],
                    "exit_code": done.returncode,
                    "message": (done.stderr or done.stdout).strip().splitlines()[:3],
                    "started_at": started,
                    "seconds": load.now() - started,
                }
            )
        time.sleep(3)
    after = snapshot(base)
    events = load.events
    return {
        "imports": imports,
        "requests": len(events),
        "errors": sum(not ok(s) for *_, s in events),
        "statuses": dict(Counter(str(s) for *_, s in events)),
        "pages_identical": before == after,
        "etags_before": {p: v[1] for p, v in before.items()},
        "etags_after": {p: v[1] for p, v in after.items()},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--outage", type=float, default=5)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    env = benchlib.prepare_site(DATABASE)
    results = {"machine": benchlib.machine(), "args": vars(args)}
    try:
        with benchlib.Gunicorn(env) as server:
            baseline = snapshot(server.base)
            assert all(v[0] == 200 for v in baseline.values()), baseline
            print("(a) PostgreSQL stopped and restarted under load", flush=True)
            results["outage"] = outage(server.base, args.threads, args.outage)
            afterwards = snapshot(server.base)
            results["outage"]["all_pages_200_afterwards"] = all(
                v[0] == 200 for v in afterwards.values()
            )
            results["outage"]["pages_identical_afterwards"] = afterwards == baseline
            for key, value in results["outage"].items():
                print(f"  {key}: {value}")
            print("(b) malformed fixtures imported under load", flush=True)
            results["failed_import"] = failed_imports(server.base, env, args.threads)
            for key, value in results["failed_import"].items():
                print(f"  {key}: {value}")
    finally:
        benchlib.start_private_server()  # in case (a) left it stopped
        benchlib.drop_database(DATABASE)
    print(f"json: {benchlib.write_json('faults', results)}")


if __name__ == "__main__":
    main()
