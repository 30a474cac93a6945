"""Rate limits that cost the same whatever the rate.

DRF's throttles keep the timestamp of every request in the window and rewrite that list on
each request, so their cost grows with the allowed rate. These count requests in fixed
windows instead: one atomic increment per request, in the ``throttle`` cache (shared by every
worker and server when REDIS_URL is set). The client's address is ``config.client_ip``'s, which
believes X-Forwarded-For only for ``NUM_PROXIES`` proxies (settings), as the login lockout does.
"""

from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from config.client_ip import client_address


class FixedWindowMixin:
    @property
    def cache(self):
        return caches["throttle"]

    def get_ident(self, request):
        return client_address(request)

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


class FailedAuthenticationRateLimit(FixedWindowMixin, SimpleRateThrottle):
    """Per client address, counted only on failed authentication (registry.api.authentication)."""

    scope = "failed_authentication"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
