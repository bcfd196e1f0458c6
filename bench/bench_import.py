"""Time the import of every fixture into an empty database (issue: under 5 s for all years).

Run: .venv/bin/python bench/bench_import.py [rounds]
Creates a scratch test database (bench_import_<pid>) on the configured server, migrates it, imports
fixtures/*.yaml `rounds` times from empty (and once more unchanged), prints the timings,
and drops the database.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csmlsite.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from programme.importers import import_programme_files  # noqa: E402
from programme.models import Conference, Person  # noqa: E402


def main(rounds: int):
    files = sorted((ROOT / "fixtures").glob("csml*.yaml"))
    # A name of our own: autoclobber would otherwise drop the suite's test_csml under it.
    connection.settings_dict["TEST"]["NAME"] = f"bench_import_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        cold = []
        for _ in range(rounds):
            Conference.objects.all().delete()
            Person.objects.all().delete()
            started = time.perf_counter()
            import_programme_files(files)
            cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        import_programme_files(files)
        unchanged = time.perf_counter() - started
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    names = ", ".join(f.name for f in files)
    print(f"import of {names} into an empty database, {rounds} rounds:")
    print(f"  median {statistics.median(cold):.2f} s, max {max(cold):.2f} s")
    print(f"re-import of the unchanged files: {unchanged:.2f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
