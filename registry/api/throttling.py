"""Rate limits that cost the same whatever the rate.

DRF's throttles keep the timestamp of every request in the window and rewrite that list on
each request, so their cost grows with the allowed rate. These count requests in fixed
windows instead: one atomic increment per request.
"""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class FixedWindowMixin:
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        key = f"{key}:{window}"
        if self.cache.add(key, 1, self.duration + 1):
            return True
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.set(key, 1, self.duration + 1)
            return True
        return count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_ends - self.now)


class AnonymousRateLimit(FixedWindowMixin, AnonRateThrottle):
    """Per client address; the rate is ``DEFAULT_THROTTLE_RATES['anon']``."""


class UserRateLimit(FixedWindowMixin, UserRateThrottle):
    """Per signed-in user; the rate is ``DEFAULT_THROTTLE_RATES['user']``."""
