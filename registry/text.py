"""Vietnamese text handling: one normal form for storage, one folded form for search.

Text typed on some keyboards arrives decomposed (NFD); stored text is always NFC so that equal
names compare equal. Search compares *folded* text: lower case, no diacritics, "đ" as "d", so
"chieng khoong", "Chiềng Khoong" and "CHIENG KHOONG" all match. Folding happens in Python and is
stored in a column, so search behaves the same on PostgreSQL and SQLite.
"""

import unicodedata


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def fold(value: str) -> str:
    """Lower-case, strip diacritics, map đ/Đ to d, collapse whitespace."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())
