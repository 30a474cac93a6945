"""The change feed: one append-only row per change that someone outside may need to hear of.

Written by ``registry.changes.record`` in the same transaction as the change itself (a status
change, a new code, a certificate expiry, an inspection recorded, changed or deleted), so a
rolled-back change leaves no event and a committed one always has its event. Each row carries
its subject's natural keys as they were at the time (market, province, crop, cooperative), so
the feed is filtered and served without joins, and reads the same after the subject changes.
``market_code`` is one market; a change that concerns several (a status change for several
markets, an inspection) is one row per market; empty: no market in particular (a new code, a
certificate expiry), which every ``market`` filter passes.

``txid`` (PostgreSQL) is the writing transaction's id; the feed serves an event only once every
transaction below it has ended, in ``(txid, id)`` order (see ``registry.changes``).
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import ChangeKind, ChangeSubject


class ChangeEvent(models.Model):
    """One event of the change feed. Append-only: the database refuses UPDATE and DELETE
    (``registry.append_only``)."""

    kind = models.CharField(_("kind"), max_length=30, choices=ChangeKind.choices)
    subject_type = models.CharField(_("subject type"), max_length=20, choices=ChangeSubject.choices)
    subject_code = models.CharField(_("subject"), max_length=150)
    market_code = models.CharField(_("market"), max_length=10, blank=True, default="")
    province_code = models.CharField(_("province"), max_length=10, blank=True, default="")
    crop_slug = models.CharField(_("crop"), max_length=50, blank=True, default="")
    cooperative_tax_code = models.CharField(_("cooperative"), max_length=20, blank=True, default="")
    effective_on = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    payload = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    #: PostgreSQL: the writing transaction's id (``pg_current_xact_id()``); null on SQLite,
    #: where writes are serialised and the id alone gives commit order.
    txid = models.BigIntegerField(_("transaction"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["txid", "id"]
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        indexes = [
            models.Index(fields=["txid", "id"], name="change_event_position_idx"),
            models.Index(fields=["subject_type", "subject_code"], name="change_event_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_code}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The change feed is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The change feed is append-only.")
