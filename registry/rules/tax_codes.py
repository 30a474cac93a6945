"""A cooperative's tax code (mã số thuế, MST): its format and its check digit.

Ten digits: ``N1N2`` the issuing tax office, ``N3``-``N9`` a serial, ``N10`` a check digit over
the first nine; a branch adds a hyphen and three digits (``0123456789-001``). Whether a code is
valid is python-stdnum's verdict (``stdnum.vn.mst``), not an algorithm of ours: this module
words that verdict for people, and makes valid codes for the sample data, the bench and tests.

The database enforces the format only (``cooperative_tax_code_format``), so rows stored before
the check digit was checked still load; ``Cooperative.clean()`` refuses a wrong check digit on
every save through the admin, the API and imports, and ``manage.py check_registry`` lists the
stored ones. Pure: imports no models, so the models use it without an import circle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

#: The format, which the database also enforces. ``\d`` as the constraint has it: a digit that
#: is not 0-9 gets past it, and past nothing else (``tax_code_problem`` refuses it).
TAX_CODE_REGEX = r"^\d{10}(-\d{3})?$"

FORMAT_MESSAGE = _("Enter a 10-digit tax code, or 10 digits, a hyphen and 3 digits for a branch.")
CHECK_DIGIT_MESSAGE = _(
    "The check digit (the 10th digit) of tax code %(value)s does not match its first nine "
    "digits. Check the code against the business registration certificate."
)
SERIAL_MESSAGE = _(
    "Tax code %(value)s has the serial 0000000 (digits 3 to 9), which is never issued."
)
BRANCH_MESSAGE = _("Tax code %(value)s has the branch number 000; branches are numbered from 001.")


def tax_code_problem(tax_code: str) -> ValidationError | None:
    """Why python-stdnum refuses a tax code of the right format, or None when it accepts it.

    Text of the wrong format is not judged here (None): the format validator on the field
    reports it, once. Whatever the error, the value is quoted as stored, never corrected: the
    message does not say which check digit would fit, since a typo in the first nine digits
    would then be "fixed" by a second one.
    """
    if not isinstance(tax_code, str) or not re.match(TAX_CODE_REGEX, tax_code):
        return None
    params = {"value": tax_code}
    try:
        mst.validate(tax_code)
    except stdnum_errors.InvalidChecksum:
        return ValidationError(CHECK_DIGIT_MESSAGE, code="tax_code_check_digit", params=params)
    except stdnum_errors.InvalidComponent:
        if tax_code[2:9] == "0000000":
            return ValidationError(SERIAL_MESSAGE, code="tax_code_serial", params=params)
        return ValidationError(BRANCH_MESSAGE, code="tax_code_branch", params=params)
    except stdnum_errors.ValidationError:  # digits other than 0-9, which ``\d`` lets through
        return ValidationError(FORMAT_MESSAGE, code="invalid")
    return None


def is_valid(tax_code: str) -> bool:
    """python-stdnum accepts the tax code (format, serial, branch and check digit)."""
    return (
        re.match(TAX_CODE_REGEX, tax_code or "") is not None and tax_code_problem(tax_code) is None
    )


# --- Valid codes for the sample data, the bench and tests ----------------------------------------


def with_check_digit(first_nine: str) -> str:
    """The first nine digits followed by the check digit python-stdnum computes for them.

    Raises ValueError when no digit fits: about one serial in eleven, whose weighted sum
    would need a check digit of 10; the tax office never issues those."""
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise ValueError(f"nine digits expected, not {first_nine!r}")
    digit = mst.calc_check_digit(first_nine)
    if len(digit) != 1:
        raise ValueError(f"no check digit fits {first_nine}")
    return first_nine + digit


def tax_code(serial: int, office: str = "55", branch: int | None = None) -> str:
    """A valid tax code: the tax office (2 digits; 55 is Sơn La's), the serial (7 digits, from
    1), the check digit, and ``-`` and the branch (from 1) when one is given.

    Raises ValueError for a serial no check digit fits (see ``with_check_digit``)."""
    if not 1 <= serial <= 9_999_999:
        raise ValueError(f"a serial is 1 to 9999999, not {serial}")
    code = with_check_digit(f"{office}{serial:07d}")
    if branch is None:
        return code
    if not 1 <= branch <= 999:
        raise ValueError(f"a branch is 1 to 999, not {branch}")
    return f"{code}-{branch:03d}"


def valid_tax_codes(office: str = "55", first_serial: int = 1) -> Iterator[str]:
    """Valid tax codes of one tax office in serial order, skipping the serials no check digit
    fits."""
    for serial in range(first_serial, 10_000_000):
        try:
            yield tax_code(serial, office)
        except ValueError:
            continue
