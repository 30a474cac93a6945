"""How each natural key is written, one function per key.

Models, FilterSets, serializers, API look-ups, imports and commands all normalise through
these, so a key typed one way in a URL and another in a spreadsheet names the same record.
Imports no models: the models themselves use it.
"""

import re
import unicodedata

from django.db.models import CharField, Func
from stdnum.vn import mst

_DASHES = re.compile(r"[\u2010-\u2015\u2212_]")
_SPACES = re.compile(r"\s+")


def normalise_code(raw: str) -> str:
    """A growing-area or packing-house code: ``" vn–slor–0001 "`` → ``"VN-SLOR-0001"``
    (no spaces, upper case, plain hyphens)."""
    return _SPACES.sub("", _DASHES.sub("-", raw)).upper()


def dashless_code(raw: str) -> str:
    """A code as a person may type it without dashes: ``" vn–slor–0001 "`` and
    ``"vnslor0001"`` → ``"VNSLOR0001"``. Compared with ``DashlessCode`` of the stored code."""
    return normalise_code(raw).replace("-", "")


class DashlessCode(Func):
    """The SQL form of ``dashless_code`` for a stored code column (stored codes are already
    normalised: upper case, plain hyphens), ``REPLACE(code, '-', '')``.

    Both code tables index this expression (``*_dashless_idx``), and a look-up that compares
    with it is answered from that index. The dash and the empty string are written into the
    SQL, not passed as parameters: with server-side binding a repeated statement is prepared,
    and a prepared statement's generic plan matches an index expression only when its
    constants are in the SQL."""

    function = "REPLACE"
    template = "%(function)s(%(expressions)s, '-', '')"
    arity = 1
    output_field = CharField()


def normalise_tax_code(raw: str) -> str:
    """A cooperative's tax code as stored, ``0123456789`` or ``0123456789-001``: spaces, dots
    and dashes of any kind are dropped and a branch's hyphen put back, as python-stdnum's
    ``stdnum.vn.mst`` writes it (``" 0312 687 878 – 001"`` and ``"0312687878001"`` →
    ``"0312687878-001"``). Text that is not then 10 or 13 digits is only trimmed, so that the
    format check quotes what was typed. Every stored code normalises to itself."""
    compact = mst.compact(raw)
    if re.fullmatch(r"[0-9]{10}|[0-9]{13}", compact):
        return mst.format(compact)
    return raw.strip()


def normalise_commune_code(raw: str) -> str:
    """A commune's GSO code: 5 digits, zero-padded (``4204`` → ``04204``)."""
    return raw.strip().zfill(5)


def normalise_province_code(raw: str) -> str:
    """A province's GSO code: 2 digits, zero-padded (``4`` → ``04``)."""
    return raw.strip().zfill(2)


def normalise_market_code(raw: str) -> str:
    """A market's ISO code, upper case (``au`` → ``AU``)."""
    return raw.strip().upper()


def normalise_crop_slug(raw: str) -> str:
    """A crop's slug, lower case (``Longan`` → ``longan``)."""
    return raw.strip().lower()


def normalise_certificate_number(raw: str) -> str:
    """A VietGAP certificate number in Unicode NFC, so that "Đ" typed as one character or as
    "D" and a combining stroke (NFD, as some systems send it) is the same number."""
    return unicodedata.normalize("NFC", raw)
