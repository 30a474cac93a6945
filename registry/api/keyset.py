"""Keyset ("cursor") paging: a page starts after the last row of the previous one, found by
the values of the list's sort keys, so every page costs one index range scan of ``limit + 1``
rows, however deep it is (``OFFSET`` reads and drops every row before the page).

The sort is the list's own (its default or ``?ordering=``), cut after its first unique field,
or ended on the primary key, so that no two rows share a position. Rows inserted or changed
between two requests are never returned twice: each page asks only for rows *after* the
cursor. A sort on a field that may be empty (``NULL``) is refused: PostgreSQL puts NULLs last
going up and first going down, which the comparison below cannot follow.

The cursor is the sort and the last row's key values, as URL-safe base64 of JSON: opaque to
clients, checked when read (a cursor of another sort, or a value that does not fit its field,
is a 400 naming ``cursor``).
"""

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import AutoField, DecimalField, F, IntegerField, Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

PARAM = "cursor"
ANNOTATION = "keyset_value_%d"


class SortKey:
    """One field of the keyset sort: its ORM path, direction and model field."""

    def __init__(self, path: str, descending: bool, field):
        self.path, self.descending, self.field = path, descending, field

    @property
    def spelled(self) -> str:
        return f"-{self.path}" if self.descending else self.path


def _resolve(model, path: str):
    """The model field at the end of ``path`` (``crop__slug``) and whether any step may be
    NULL."""
    nullable, field = False, None
    for name in path.split("__"):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        nullable = nullable or field.null
        if field.is_relation:
            model = field.related_model
    if field.is_relation:  # ordering by a foreign key orders by its target's key
        field = field.target_field
    return field, nullable


def _is_unique(field, path: str) -> bool:
    return "__" not in path and (field.primary_key or field.unique)


def sort_keys(queryset) -> list[SortKey]:
    """The queryset's ordering as keyset keys, ending on a unique field; 400 ``ordering`` for a
    field that may be NULL or is not a plain field."""
    model = queryset.model
    ordering = [str(item) for item in (queryset.query.order_by or model._meta.ordering)]
    keys: list[SortKey] = []
    for item in ordering:
        descending = item.startswith("-")
        path = item.lstrip("-")
        try:
            field, nullable = _resolve(model, path)
        except FieldDoesNotExist:
            field, nullable = None, True
        if field is None or nullable:
            raise ValidationError(
                {
                    "ordering": [
                        _(
                            "A cursor cannot follow the order %(field)s: it may be empty. "
                            "Use offset paging for this order."
                        )
                        % {"field": path}
                    ]
                }
            )
        keys.append(SortKey(path, descending, field))
        if _is_unique(field, path):
            return keys
    pk = model._meta.pk
    last_descending = keys[-1].descending if keys else False
    keys.append(SortKey("pk", last_descending, pk))
    return keys


def ordered(queryset, keys: list[SortKey]):
    """The queryset in the keyset order, each row carrying its key values."""
    annotations = {ANNOTATION % i: F(key.path) for i, key in enumerate(keys)}
    return queryset.annotate(**annotations).order_by(*(key.spelled for key in keys))


def after(keys: list[SortKey], values: list):
    """The rows after ``values`` in the order of ``keys``: written as ``k1 >= v1 AND (k1 > v1
    OR (k1 = v1 AND ...))`` so that the first key bounds an index range scan."""
    condition = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        beyond = Q(**{f"{key.path}__{'lt' if key.descending else 'gt'}": value})
        condition = beyond if condition is None else beyond | (Q(**{key.path: value}) & condition)
    if len(keys) == 1:
        return condition
    first, value = keys[0], values[0]
    return Q(**{f"{first.path}__{'lte' if first.descending else 'gte'}": value}) & condition


def row_values(row, count: int) -> list:
    """The key values a row was annotated with (``ordered``): a dict or a model instance."""
    names = [ANNOTATION % i for i in range(count)]
    if isinstance(row, dict):
        return [row[name] for name in names]
    return [getattr(row, name) for name in names]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode(keys: list[SortKey], values: list) -> str:
    payload = {"o": [key.spelled for key in keys], "v": [_plain(v) for v in values]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refuse(message: str):
    raise ValidationError({PARAM: [message]})


def _storable(value, field) -> bool:
    """Of the JSON type ``encode`` writes for the field, and comparable by PostgreSQL without
    an error of its own (no NUL byte or lone surrogate, a bigint)."""
    if isinstance(field, IntegerField | AutoField):
        return type(value) is int and -(2**63) <= value < 2**63
    if not isinstance(value, str) or "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _fits(value, field) -> bool:
    """A decimal PostgreSQL can compare with the column (finite, within its digits)."""
    if isinstance(field, DecimalField):
        whole_digits = field.max_digits - field.decimal_places
        return value.is_finite() and (value.is_zero() or value.adjusted() < whole_digits)
    return value is not None


def decode(cursor: str, keys: list[SortKey]) -> list:
    """The key values in ``cursor``, converted to their fields' types."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        _refuse(_("Not a cursor this API gave out."))
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), list):
        _refuse(_("Not a cursor this API gave out."))
    if payload.get("o") != [key.spelled for key in keys]:
        _refuse(_("This cursor belongs to another order: start again without a cursor value."))
    values = payload["v"]
    if len(values) != len(keys) or not all(
        _storable(value, key.field) for key, value in zip(keys, values, strict=False)
    ):
        _refuse(_("Not a cursor this API gave out."))
    try:
        converted = [key.field.to_python(value) for key, value in zip(keys, values, strict=True)]
    except (DjangoValidationError, TypeError, ValueError, ArithmeticError):
        _refuse(_("Not a cursor this API gave out."))
    if not all(_fits(value, key.field) for key, value in zip(keys, converted, strict=True)):
        _refuse(_("Not a cursor this API gave out."))
    return converted
