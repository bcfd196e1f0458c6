"""The per-process page store: Django's LocMemCache, bounded in bytes as well as entries.

Why: LocMemCache limits the number of entries only, and pages differ in size by a factor
of a thousand (a talk's 304 headers against a year's gzipped abstracts), so an entry
limit alone bounds nothing: a flood of distinct URLs grew a worker by gigabytes. This
keeps the pickled size of every entry and, like LocMemCache, evicts the least recently
used entries when a new one would go over MAX_BYTES (OPTIONS, default 64 MiB). An entry
larger than an eighth of the budget is not kept at all: one huge page must not empty the
store. Redis bounds itself (maxmemory with an LRU eviction policy; README, Deploy).
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class _Usage:
    def __init__(self):
        self.sizes: dict[str, int] = {}
        self.total = 0


# Per cache name, beside LocMemCache's own module-level stores (every instance of a name
# in a process shares them, as Django's do).
_usage: dict[str, _Usage] = {}


class BoundedLocMemCache(LocMemCache):
    def __init__(self, name, params):
        super().__init__(name, params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self._usage = _usage.setdefault(name, _Usage())

    @property
    def used_bytes(self) -> int:
        return self._usage.total

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        # Called with the lock held and `value` pickled.
        self._delete(key)
        size = len(key) + len(value)
        if size > self.max_bytes // 8:
            return
        usage = self._usage
        while self._cache and (
            usage.total + size > self.max_bytes or len(self._cache) >= self._max_entries
        ):
            oldest, _ = self._cache.popitem()  # the least recently used is last
            self._expire_info.pop(oldest, None)
            usage.total -= usage.sizes.pop(oldest, 0)
        self._cache[key] = value
        self._cache.move_to_end(key, last=False)
        self._expire_info[key] = self.get_backend_timeout(timeout)
        usage.sizes[key] = size
        usage.total += size

    def _delete(self, key):
        deleted = super()._delete(key)
        if deleted:
            self._usage.total -= self._usage.sizes.pop(key, 0)
        return deleted

    def validate_key(self, key):
        """Not checked for memcached's rules, character by character, on every read (a
        third of a warm hit's time): the keys here are the page store's own, hex digests
        under the deploy id (pages.page_key)."""

    def incr(self, key, delta=1, version=None):
        raise NotImplementedError("The page store keeps pages, not counters.")

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._usage.sizes.clear()
            self._usage.total = 0
