"""Token authentication whose failures count against a rate limit.

DRF authenticates before it throttles, so a request with a wrong token was answered 401 at any
rate: a client could try tokens as fast as the server answers. Each failure here counts against
``DEFAULT_THROTTLE_RATES['failed_authentication']`` for the client's address; past it, the
answer is 429 with ``Retry-After``, whatever the token.
"""

from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled

from registry.api.throttling import FailedAuthenticationRateLimit


class RateLimitedTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            limit = FailedAuthenticationRateLimit()
            if not limit.allow_request(request, None):
                raise Throttled(wait=limit.wait()) from None
            raise
