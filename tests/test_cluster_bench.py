"""The cluster bench, short: two gunicorn servers sharing a private Redis and one
PostgreSQL (bench/bench_cluster.py), where every numbered check must pass: an edit through
one server is served by the other within 1 s, a new deploy id retires the stored pages,
an edit to 2025 leaves 2024's pages and book alone, load with edits sees no error and
no stale page, made-up URLs store nothing and keep each worker's memory bounded.

Marked slow (five gunicorn starts and a printed book: 100 s on the shared 2-core VM), so `make test`
leaves it out; run it with `.venv/bin/pytest -m slow tests/test_cluster_bench.py`.
Needs Debian's redis-server (`make system-packages`).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT = ["--duration", "5", "--clients", "16", "--flood", "200", "--locmem-flood", "160"]


@pytest.mark.slow
def test_every_check_of_the_cluster_bench_passes():
    script = subprocess.Popen(  # noqa: S603 (our own script)
        [sys.executable, str(ROOT / "bench" / "bench_cluster.py"), *SHORT],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = script.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        script.terminate()  # SIGTERM: the script stops its servers and Redis first
        stdout, stderr = script.communicate(timeout=120)
        pytest.fail("bench_cluster.py took over 10 minutes:\n" + stdout[-6000:])
    output = stdout[-6000:] + stderr[-3000:]
    written = re.search(r"^json: (.+)$", stdout, re.M)
    assert written, output
    checks = json.loads(Path(written[1]).read_text())["checks"]
    assert {c["number"]: c["verdict"] for c in checks} == dict.fromkeys(range(1, 6), "PASS"), output
    assert script.returncode == 0, output
