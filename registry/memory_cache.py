"""An in-process cache bounded in bytes, for one server without Redis.

Django's LocMemCache bounds the number of entries; a cached list page of 1,000 rows pickles to
hundreds of kB, so 20,000 entries could hold gigabytes. This one also keeps the total size of
the stored (pickled) values under ``OPTIONS["MAX_BYTES"]``, dropping the least recently used
entries first, and does not keep an entry larger than a tenth of that.
"""

from django.core.cache.backends.locmem import LocMemCache


class _Sizes(dict):
    """Size of each stored value, and their running total."""

    total = 0


_sizes: dict[str, _Sizes] = {}


class BoundedMemoryCache(LocMemCache):
    def __init__(self, name, params):
        super().__init__(name, params)
        self.max_bytes = int(params.get("OPTIONS", {}).get("MAX_BYTES", 64 * 1024 * 1024))
        self._sizes = _sizes.setdefault(name, _Sizes())

    @property
    def total_bytes(self) -> int:
        return self._sizes.total

    def _forget_size(self, key) -> None:
        self._sizes.total -= self._sizes.pop(key, 0)

    def _set(self, key, value, timeout=None):
        if len(value) > self.max_bytes // 10:
            self._delete(key)
            return
        self._forget_size(key)
        super()._set(key, value, timeout)
        self._sizes[key] = len(value)
        self._sizes.total += len(value)
        while self._sizes.total > self.max_bytes and self._cache:
            oldest, _ = self._cache.popitem()  # the least recently used is last
            self._expire_info.pop(oldest, None)
            self._forget_size(oldest)

    def _cull(self):
        super()._cull()
        for key in set(self._sizes) - set(self._cache):
            self._forget_size(key)

    def _delete(self, key):
        self._forget_size(key)
        return super()._delete(key)

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
            self._sizes.total = 0
