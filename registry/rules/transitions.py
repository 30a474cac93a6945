"""Which status a code may move to, and what "active" means. Pure: imports no models."""

from registry.choices import CodeStatus

#: Which status a code may move to from its current one (``None``: not yet registered).
ALLOWED_TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({CodeStatus.ACTIVE}),
    CodeStatus.ACTIVE: frozenset({CodeStatus.SUSPENDED, CodeStatus.REVOKED}),
    CodeStatus.SUSPENDED: frozenset({CodeStatus.ACTIVE, CodeStatus.REVOKED}),
    CodeStatus.REVOKED: frozenset(),
}


def is_active(status: str | None) -> bool:
    """A code with this status for a market (now, or as of a date) may be used for it. The
    query form is ``queries.status_now_q`` / ``queries.valid_on_q``."""
    return status == CodeStatus.ACTIVE
