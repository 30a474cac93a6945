"""The client's address, the same for rate limits and for login lockouts.

``X-Forwarded-For`` is believed only for ``NUM_PROXIES`` proxies in front of the app (the
REST_FRAMEWORK setting, from the environment; 0 by default): each proxy appends the address it
saw, so the client is the entry that many places from the right. Anything a client writes
further left is its own invention.
"""

from rest_framework.settings import api_settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    return chain[-min(proxies, len(chain))] if chain else remote
