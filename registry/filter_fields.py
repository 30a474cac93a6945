"""Filter building blocks shared by every FilterSet.

As in NetBox, every key filter takes several values, repeated or comma-separated
(``?market=AU&market=US`` or ``?market=AU,US``), meaning OR, and a value that names nothing is
an error that names the parameter (the API turns it into a 400), never an empty result.
"""

import math
from collections.abc import Callable, Iterable
from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.drainage import set_override

from registry import reference
from registry.keys import normalise_code
from registry.models import Commune, Crop, Market, Province
from registry.rules import dates
from registry.text import fold

# Messages carry their values as ``params``, never formatted in: django-filter formats every
# message with its params once more (``message % params``), so a value holding ``%s``
# formatted in already would be formatted twice (a TypeError, answered 500).
NULL_CHARACTERS = _("Null characters are not allowed.")


def refuse_null_characters(values) -> None:
    """PostgreSQL cannot compare text holding NUL: refuse it before any query."""
    if any("\x00" in str(value) for value in values):
        raise ValidationError(NULL_CHARACTERS, code="null_characters")


#: small tables whose keys are checked from memory (registry.reference)
REFERENCE_MODELS = (Market, Crop, Province, Commune)


class MultiValueWidget(forms.TextInput):
    """Reads every value of a parameter and splits each on commas."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            raw = data.getlist(name)
        else:
            raw = data.get(name)
            raw = [] if raw is None else raw if isinstance(raw, list | tuple) else [raw]
        values = [part.strip() for item in raw for part in str(item).split(",") if part.strip()]
        return values or None

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return super().format_value(value)


class KeysField(forms.Field):
    """Turns a list of natural keys into model instances with one query; unknown keys fail."""

    widget = MultiValueWidget

    def __init__(
        self,
        *,
        model,
        keys: Iterable[str],
        noun: str,
        normalise: Callable[[str], str] = str,
        **kwargs,
    ):
        self.model = model
        self.keys = tuple(keys)
        self.noun = noun
        self.normalise = normalise
        super().__init__(**kwargs)

    def clean(self, value):
        if not value:
            return []
        refuse_null_characters(value)
        wanted = [self.normalise(v) for v in value]
        found = self._reference() if self.model in REFERENCE_MODELS else self._query(wanted)
        unknown = [v for v in wanted if v not in found]
        if unknown:
            raise ValidationError(
                _("Unknown %(noun)s: %(keys)s."),
                code="unknown",
                params={"noun": self.noun, "keys": ", ".join(unknown)},
            )
        return list({found[v].pk: found[v] for v in wanted}.values())

    def _by_key(self, objects) -> dict:
        return {str(getattr(obj, key)): obj for obj in objects for key in self.keys}

    def _reference(self) -> dict:
        """Small tables: every record, from memory (registry.reference)."""
        return reference.table(
            f"keys:{self.model._meta.label}:{','.join(self.keys)}",
            lambda: self._by_key(self.model._default_manager.all()),
        )

    def _query(self, wanted) -> dict:
        """Other tables: the wanted records, with one query."""
        match = Q()
        for key in self.keys:
            candidates = [v for v in wanted if v.isdigit()] if key in ("pk", "id") else wanted
            if candidates:
                match |= Q(**{f"{key}__in": candidates})
        return self._by_key(self.model._default_manager.filter(match)) if match else {}


class KeysFilter(django_filters.Filter):
    """Filter on records named by natural key, e.g. ``KeysFilter(model=Market, keys=["code"],
    field_name="market")``. It holds the model, not a queryset: FilterSets deep-copy their
    filters on every request, and a model copies for free."""

    field_class = KeysField

    def __init__(self, *args, lookup_expr="in", **kwargs):
        super().__init__(*args, lookup_expr=lookup_expr, **kwargs)
        # The OpenAPI schema: an array of strings, with this filter's own description.
        set_override(
            self,
            "field",
            {
                "type": "array",
                "items": {"type": "string"},
                "description": kwargs.get("help_text") or kwargs.get("label") or "",
            },
        )


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """Several choices, repeated or comma-separated, meaning OR."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiValueWidget)
        super().__init__(*args, **kwargs)


class CodesField(forms.Field):
    """Codes as typed, normalised (``registry.keys.normalise_code``), not looked up."""

    widget = MultiValueWidget

    def clean(self, value):
        if not value:
            return []
        refuse_null_characters(value)
        return [normalise_code(v) for v in value]


class CodesFilter(django_filters.Filter):
    field_class = CodesField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, lookup_expr="in", **kwargs)
        set_override(
            self,
            "field",
            {"type": "array", "items": {"type": "string"}, "description": kwargs.get("help_text")},
        )

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class BooleanField(forms.Field):
    """``true``/``false`` (or 1/0, yes/no); anything else is an error, not "no filter"."""

    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}

    def clean(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(
            _("'%(value)s' is not a boolean: use true or false."),
            code="invalid",
            params={"value": value},
        )


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanField


class WindowedDateFilter(django_filters.DateFilter):
    """A date inside the writable window (registry.rules.dates.validate_in_window)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [dates.validate_in_window])
        super().__init__(*args, **kwargs)


class WindowedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 timestamp with a real UTC offset (at most ±14:00, as on Earth) inside the
    date window: PostgreSQL refuses what Python accepts beyond that (``+20:17``), and in a CSV
    download it would refuse it only after the header was sent."""

    LARGEST_OFFSET = timedelta(hours=14)

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
        except (OverflowError, ValueError):  # beyond what Python holds, e.g. in the local time
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if parsed is None:
            return None
        offset = parsed.utcoffset()
        if offset is not None and abs(offset) > self.LARGEST_OFFSET:
            raise ValidationError(
                _("The UTC offset of %(value)s is out of range: it is at most ±14:00."),
                code="invalid_offset",
                params={"value": value},
            )
        dates.validate_in_window(parsed.date())
        return parsed


class WindowedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = WindowedIsoDateTimeField


class SearchFilter(django_filters.CharFilter):
    """Case- and diacritic-insensitive search over a record's folded ``search_text``: every
    word must appear (``chieng khoong`` finds "Chiềng Khoong")."""

    def filter(self, qs, value):
        for word in fold(value or "").split():
            qs = qs.filter(search_text__contains=word)
        return qs


class YearsField(forms.Field):
    """Years (``2025`` or ``2024,2025``): whole numbers from 1900 to 2100, else an error."""

    widget = MultiValueWidget
    default_error_messages = {"invalid": _("Enter years as whole numbers, e.g. 2025.")}

    def clean(self, value):
        if not value:
            return []
        refuse_null_characters(value)
        years = []
        for item in value:
            text = str(item).strip()
            if not (text.isascii() and text.isdigit()) or not 1900 <= int(text) <= 2100:
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            years.append(int(text))
        return years


class YearsFilter(django_filters.Filter):
    """Several years, repeated or comma-separated, meaning OR."""

    field_class = YearsField

    def __init__(self, *args, lookup_expr="in", **kwargs):
        super().__init__(*args, lookup_expr=lookup_expr, **kwargs)
        set_override(
            self,
            "field",
            {
                "type": "array",
                "items": {"type": "integer"},
                "description": kwargs.get("help_text") or kwargs.get("label") or "",
            },
        )

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class BoundingBoxField(forms.Field):
    """``minLon,minLat,maxLon,maxLat`` in degrees (WGS 84, longitude first as in GeoJSON)."""

    widget = forms.TextInput

    def clean(self, value):
        if value in (None, ""):
            return None
        refuse_null_characters([value])
        parts = str(value).split(",")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise ValidationError(
                _("Give four numbers: minLon,minLat,maxLon,maxLat (longitude first)."),
                code="invalid",
            )
        min_lon, min_lat, max_lon, max_lat = numbers
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
            raise ValidationError(_("Longitudes lie between -180 and 180."), code="invalid")
        if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise ValidationError(
                _("Latitudes lie between -90 and 90 (longitude comes first)."), code="invalid"
            )
        if min_lon > max_lon or min_lat > max_lat:
            raise ValidationError(
                _("The box is inverted: the minimum must not exceed the maximum."),
                code="inverted",
            )
        return tuple(numbers)


class BoundingBoxFilter(django_filters.Filter):
    """Records in a box; ``method`` says how a record's place meets it."""

    field_class = BoundingBoxField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        set_override(
            self,
            "field",
            {
                "type": "string",
                "pattern": r"^[^,]+,[^,]+,[^,]+,[^,]+$",
                "description": kwargs.get("help_text") or "",
            },
        )
