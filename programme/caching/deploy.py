"""The deploy id: which release of the code rendered a stored page, ETag or book.

Set DEPLOY_ID in the environment (the deploy script passes the release's git commit) so
every app server of one release agrees on it. Without it, a fingerprint of the contents
of the code, templates and translations stands in: the same on every server of a release
(file contents and paths relative to the project, never mtimes or absolute paths), and
different as soon as any of them changes.
"""

import hashlib
import os
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# What can change a rendered page: code, templates, static files (their hashed names are
# in the pages) and translations.
FINGERPRINTED = (
    "csmlsite/**/*.py",
    "programme/**/*.py",
    "programme/**/*.html",
    "programme/static/**/*",
    "templates/**/*.html",
    "locale/**/*.po",
)


@cache
def deploy_id() -> str:
    # It goes into ETags and cache keys: letters, digits, dot, dash and underscore only.
    given = re.sub(r"[^A-Za-z0-9._-]", "", os.environ.get("DEPLOY_ID", ""))[:40]
    return given or code_fingerprint()


def code_fingerprint() -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    files = {path for pattern in FINGERPRINTED for path in ROOT.glob(pattern) if path.is_file()}
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
