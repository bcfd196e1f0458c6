"""Stable identifiers: the same thing gets the same UUID in every database and export.

Calendars (UID), frab (guid) and the importer (Talk.guid of a new talk) all derive them
from a thing's natural key under the site's domain, so re-importing a year into an
empty database changes none of them.
"""

import uuid
from functools import lru_cache

DOMAIN = "c2sml.cn"


@lru_cache(maxsize=100_000)  # a pure function, called for every person of every export
def name_uuid(*parts) -> uuid.UUID:
    """uuid5 of https://c2sml.cn/<part>/<part>/..., e.g. name_uuid(2025, "talks", "A1-1")."""
    key = "/".join(str(part) for part in parts)
    return uuid.uuid5(uuid.NAMESPACE_URL, f"https://{DOMAIN}/{key}")
