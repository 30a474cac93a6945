"""Outgoing HTTP requests to addresses that users give (webhooks), guarded against
server-side request forgery.

Only ``https`` URLs; the host is resolved and every address it resolves to must be public
(not private, loopback, link-local, multicast, reserved or unspecified). At delivery the host
is resolved and vetted again and the connection goes to that vetted address (TLS still checks
the certificate against the host name), so a DNS answer that changes between the check and
the request cannot point it inside. No redirects are followed, the timeout is short and at
most ``WEBHOOK_MAX_RESPONSE_BYTES`` of the answer are read.

``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (local testing only) also allows plain ``http`` and
loopback addresses.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class RefusedURL(ValueError):
    """A URL the registry will not send to; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the vetted IP address to connect to


def _allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and address.is_loopback:
        return True
    return address.is_global and not address.is_multicast


def vet(url: str) -> Target:
    """Check ``url`` and resolve its host; raise ``RefusedURL`` saying why it is refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedURL(_("Not a valid URL.")) from None
    schemes = ("https", "http") if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES else ("https",)
    if parts.scheme not in schemes:
        raise RefusedURL(_("Only https URLs are allowed."))
    if not parts.hostname or parts.username or parts.password:
        raise RefusedURL(_("Give a host name, without user or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedURL(_("The host name does not resolve.")) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses or not all(_allowed(address) for address in addresses):
        raise RefusedURL(
            _("The host resolves to a private, loopback or reserved address; it is refused.")
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url`` (vetted again now); return the response status. Network
    failures and refusals raise (``OSError``, ``http.client.HTTPException``, ``RefusedURL``)."""
    target = vet(url)
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(settings.WEBHOOK_MAX_RESPONSE_BYTES)  # the rest is never read
        return response.status
    finally:
        connection.close()
