"""Behaviour every registry record shares: NFC text and a folded search column."""

from django.db import models

from registry.text import fold, nfc


class RegistryModel(models.Model):
    """Normalises text to NFC on save and keeps ``search_text`` in step.

    Subclasses list the fields that search should see in ``search_sources`` (dotted paths may
    follow foreign keys, e.g. ``"commune.name"``).
    """

    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False, db_index=True)

    search_sources: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.normalise_text()
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "updated_at"}
        super().save(*args, **kwargs)

    def normalise_text(self) -> None:
        for field in self._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                if isinstance(value, str):
                    setattr(self, field.attname, nfc(value.strip()))

    def build_search_text(self) -> str:
        parts = []
        for path in self.search_sources:
            value = self
            for attr in path.split("."):
                value = getattr(value, attr, None) if value is not None else None
            if value:
                parts.append(str(value))
        return fold(" ".join(parts))
