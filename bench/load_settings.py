"""csmlsite.settings for the HTTP benches: production as configured by the environment,
with STATIC_ROOT in the git-ignored bench/out/static.

Why: staticfiles/ in a checkout is built by `make assets` with DEBUG on, so it has no
manifest, and with DEBUG=0 (CompressedManifestStaticFilesStorage) every page fails with
"ValueError: Missing staticfiles manifest entry for 'programme/site.css'". The benches
run their own collectstatic into this folder instead of rewriting the shared one.
"""

from csmlsite.settings import *  # noqa: F403
from csmlsite.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "bench" / "out" / "static"
