"""Throughput under load: gunicorn (production settings, 2 sync workers) and wrk, on
127.0.0.1 only, every figure also as a ratio to a static file served in the same run.

Run: .venv/bin/python bench/bench_load.py [--duration 15] [--long 60] [--rounds 1]
Needs wrk (apt-get install -y wrk). Starts a private PostgreSQL under /tmp
(BENCH_PGDATA), creates the scratch database csml_bench_load, migrates it, imports
fixtures/*.yaml, collects static files with the manifest into bench/out/static, then:
  1. warm page cache, wrk -c16 for --duration s per URL (static file first),
  2. warm page cache, wrk -c64 for --long s on schedule, session, talk, search,
  3. conditional requests (If-None-Match with the page's ETag: 304s), -c16,
  4. a second gunicorn with CACHE_URL=dummy:// (every request renders), -c16,
  5. with --storm N: the edit storm of bench_cluster.py (check 4: 64 clients on two
     servers sharing Redis for N s, a talk edited through the admin every 3 s, every
     response checked for freshness), so that one run holds every figure of issue 16.
Each URL is checked first (expected status, no redirect) and warmed for 2 s. gunicorn is
stopped at the end of each phase and the database dropped. Prints markdown tables and
writes bench/out/load-*.json.
"""

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_cluster
import benchlib

DATABASE = "csml_bench_load"
STATIC = "/static/programme/site.css"
SEARCH = "/search/?q=%E6%89%A9%E6%95%A3"  # 扩散
PAGES = {
    "static site.css": STATIC,
    "home": "/2025/",
    "schedule": "/2025/schedule/",
    "abstracts": "/2025/abstracts/",
    "speakers": "/2025/speakers/",
    "session": "/2025/sessions/A1/",
    "talk": "/2025/talks/A1-1/",
    "person": "/people/liu-yong/",
    "search 扩散": SEARCH,
    "schedule.xml": "/2025/schedule.xml",
    "schedule.json": "/2025/schedule.json",
    "schedule.ics": "/2025/schedule.ics",
}
# pretalx 2025.2.2 on the same machine and data, cache miss, as a fraction of its own
# static file (issue 16's table); the targets are 5x these.
PRETALX_MISS = {
    "talk": 0.012,
    "person": 0.012,
    "speakers": 0.005,
    "schedule.xml": 0.003,
    "schedule.ics": 0.002,
    "abstracts": 0.002,
}
LONG = ["static site.css", "schedule", "session", "talk", "search 扩散"]
CONDITIONAL = ["schedule", "talk", "schedule.xml", "schedule.json"]
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, *, seconds: int, connections: int, headers: dict) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    for name, value in {**benchlib.PROXY_HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout

    def latency(percent):
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        return float(found[1]) * UNITS[found[2]] if found else float("nan")

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "requests": int(re.search(r"(\d+) requests in", output)[1]),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "errors": (int(non_2xx[1]) if non_2xx else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
        "raw": output,
    }


def check(base: str, path: str, headers: dict, expected: int) -> dict:
    status, response_headers, body = benchlib.fetch(base + path, headers)
    if status != expected:
        raise SystemExit(f"{path}: status {status}, expected {expected}: {body[:300]!r}")
    return response_headers


def sweep(
    base, names, *, seconds, connections, conditional=False, rounds=1, extra=None
) -> list[dict]:
    """wrk on each named page, static file first; medians over `rounds` interleaved rounds.
    `extra` headers go with every request (e.g. Accept-Encoding: gzip, as browsers send)."""
    extra = extra or {}
    runs = {name: [] for name in names}
    etags = {}
    for name in names:
        headers = check(base, PAGES[name], extra, 200)
        etags[name] = headers.get("ETag")
    for _ in range(rounds):
        for name in names:
            headers = dict(extra)
            if conditional and name != "static site.css":
                headers["If-None-Match"] = etags[name]
                check(base, PAGES[name], headers, 304)
            warm = wrk(base + PAGES[name], seconds=2, connections=connections, headers=headers)
            # Requests wrk left queued at its end still run: let them drain first.
            time.sleep(min(10.0, max(0.5, 2 * warm["p99_ms"] / 1000)))
            result = wrk(
                base + PAGES[name], seconds=seconds, connections=connections, headers=headers
            )
            runs[name].append(result)
            print(
                f"  {name:16} c{connections:<3} {result['rps']:8.1f}/s"
                f"  p50 {result['p50_ms']:.1f} ms  p99 {result['p99_ms']:.1f} ms"
                f"  errors {result['errors']}",
                flush=True,
            )
    static = benchlib.median([r["rps"] for r in runs["static site.css"]])
    rows = []
    for name in names:
        results = runs[name]
        rps = benchlib.median([r["rps"] for r in results])
        rows.append(
            {
                "page": name,
                "path": PAGES[name],
                "connections": connections,
                "seconds": seconds,
                "rounds": rounds,
                "rps": rps,
                "rps_each": [r["rps"] for r in results],
                "p50_ms": benchlib.median([r["p50_ms"] for r in results]),
                "p99_ms": benchlib.median([r["p99_ms"] for r in results]),
                "errors": sum(r["errors"] for r in results),
                "requests": sum(r["requests"] for r in results),
                "ratio_to_static": rps / static,
                "conditional": conditional and name != "static site.css",
            }
        )
    return rows


def table(title: str, rows: list[dict], *, pretalx: bool = False) -> str:
    """`pretalx`: add pretalx's fraction and this site's multiple of it."""
    extra_head = " pretalx | × pretalx |" if pretalx else ""
    lines = [
        f"#### {title}",
        "",
        "| URL | conns | s x rounds | req/s | p50 ms | p99 ms | errors | ratio to static |"
        + extra_head,
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |"
        + (" ---: | ---: |" if pretalx else ""),
    ]
    for r in rows:
        line = (
            f"| {r['page']} `{r['path']}`{' (If-None-Match)' if r['conditional'] else ''} "
            f"| {r['connections']} | {r['seconds']} x {r['rounds']} | {r['rps']:.1f} "
            f"| {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} "
            f"| {r['ratio_to_static']:.3f} |"
        )
        if pretalx:
            theirs = PRETALX_MISS.get(r["page"])
            line += f" {theirs} | {r['ratio_to_static'] / theirs:.1f}× |" if theirs else " | |"
        lines.append(line)
    return "\n".join(lines)


def bare_static(env: dict, *, seconds: int, rounds: int, extra: dict) -> dict:
    """The same static file from a bare whitenoise app (bench/bare_static.py)."""
    static_root = str(benchlib.OUT / "static")
    bare_env = {**env, "STATIC_ROOT": static_root, "PYTHONPATH": str(benchlib.BENCH)}
    with benchlib.Gunicorn(bare_env, app="bare_static:application", cwd=benchlib.BENCH) as server:
        print(f"bare whitenoise, gunicorn {server.base}", flush=True)
        rows = sweep(
            server.base,
            ["static site.css"],
            seconds=seconds,
            connections=16,
            rounds=rounds,
            extra=extra,
        )
    rows[0]["page"] = "static site.css, bare whitenoise"
    return rows[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--long", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--skip-long", action="store_true")
    parser.add_argument(
        "--gzip", action="store_true", help="send Accept-Encoding: gzip, as browsers do"
    )
    parser.add_argument(
        "--storm", type=int, default=0, help="seconds of bench_cluster's edit storm at the end"
    )
    args = parser.parse_args()
    extra = {"Accept-Encoding": "gzip"} if args.gzip else {}
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    env = benchlib.prepare_site(DATABASE)
    results = {"machine": benchlib.machine(), "args": vars(args)}
    tables = []
    try:
        with benchlib.Gunicorn(env) as server:
            print(f"warm cache, gunicorn {server.base}", flush=True)
            rows = sweep(
                server.base,
                list(PAGES),
                seconds=args.duration,
                connections=16,
                rounds=args.rounds,
                extra=extra,
            )
            bare = bare_static(env, seconds=args.duration, rounds=args.rounds, extra=extra)
            bare["ratio_to_static"] = bare["rps"] / rows[0]["rps"]
            rows.insert(1, bare)
            results["warm_c16"] = rows
            tables.append(table("Warm page cache, 16 connections", rows))
            if not args.skip_long:
                rows = sweep(server.base, LONG, seconds=args.long, connections=64, extra=extra)
                results["warm_c64"] = rows
                tables.append(table("Warm page cache, 64 connections", rows))
            rows = sweep(
                server.base,
                ["static site.css", *CONDITIONAL],
                seconds=args.duration,
                connections=16,
                conditional=True,
                extra=extra,
            )
            results["not_modified_c16"] = rows
            tables.append(table("Conditional requests (304), 16 connections", rows))
        with benchlib.Gunicorn({**env, "CACHE_URL": "dummy://"}) as server:
            print(f"no page cache (CACHE_URL=dummy://), gunicorn {server.base}", flush=True)
            rows = sweep(
                server.base,
                list(PAGES),
                seconds=args.duration,
                connections=16,
                rounds=args.rounds,
                extra=extra,
            )
            results["miss_c16"] = rows
            tables.append(
                table(
                    "Cache miss on every request (CACHE_URL=dummy://), 16 connections",
                    rows,
                    pretalx=True,
                )
            )
        if args.storm:
            print("edit storm (bench_cluster.py check 4)", flush=True)
            storm = bench_cluster.edit_storm(env, DATABASE, duration=args.storm, clients=64)
            storm.print()
            results["storm"] = storm.as_dict()
            tables.append(
                "#### Edit storm (bench_cluster.py check 4)\n\n"
                + f"**{storm.verdict}** {storm.title}\n\n"
                + "\n".join(f"- {line}" for line in storm.lines)
            )
    finally:
        benchlib.drop_database(DATABASE)
    print(f"\nmachine: {results['machine']}\n")
    print("\n\n".join(tables))
    print(f"\njson: {benchlib.write_json('load', results)}")


if __name__ == "__main__":
    main()
