"""Filter building blocks shared by every FilterSet.

As in NetBox, every key filter takes several values, repeated or comma-separated
(``?market=AU&market=US`` or ``?market=AU,US``), meaning OR, and a value that names nothing is
an error that names the parameter (the API turns it into a 400), never an empty result.
"""

from collections.abc import Callable, Iterable

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from drf_spectacular.drainage import set_override

from registry import reference
from registry.models import Commune, Crop, Market, Province
from registry.text import fold

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
        wanted = [self.normalise(v) for v in value]
        found = self._reference() if self.model in REFERENCE_MODELS else self._query(wanted)
        unknown = [v for v in wanted if v not in found]
        if unknown:
            raise ValidationError(f"Unknown {self.noun}: {', '.join(unknown)}.")
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
        raise ValidationError(f"'{value}' is not a boolean: use true or false.")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = BooleanField


class SearchFilter(django_filters.CharFilter):
    """Case- and diacritic-insensitive search over a record's folded ``search_text``: every
    word must appear (``chieng khoong`` finds "Chiềng Khoong")."""

    def filter(self, qs, value):
        for word in fold(value or "").split():
            qs = qs.filter(search_text__contains=word)
        return qs
