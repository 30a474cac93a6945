"""The public page's answer for one code and one market on a day: the same rule as
``queries.valid_on_q`` and the bulk check ("active for M on D, and its VietGAP basis, if any, in
force on D"), split into the one reason a code is not valid. Pure: it reads no database.

tests/test_public_pages.py holds it against ``bulk_check.check_codes`` (the API's answer).
"""

from __future__ import annotations

from datetime import date

from registry.choices import CertificateValidity, CodeStatus, Verdict
from registry.rules.dates import validity_of

IN_FORCE = {CertificateValidity.VALID, CertificateValidity.EXPIRING}


def verdict_for(
    status: str | None,
    certificate: tuple[date, date, date | None] | None,
    on: date,
) -> str:
    """``status``: the code's status for the market on ``on`` (None: it never had one);
    ``certificate``: its basis's (issued, expires, revoked) dates, or None when it has none."""
    if status is None:
        return Verdict.NOT_REGISTERED
    if status == CodeStatus.REVOKED:
        return Verdict.REVOKED
    if status == CodeStatus.SUSPENDED:
        return Verdict.SUSPENDED
    if certificate is not None and validity_of(*certificate, on) not in IN_FORCE:
        return Verdict.BASIS_NOT_IN_FORCE
    return Verdict.VALID
