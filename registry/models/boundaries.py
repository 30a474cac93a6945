"""Where two growing-area codes' boundaries cover the same land.

A pair is derived, never typed: ``registry.rules.boundaries.record_overlaps`` writes a code's
pairs again whenever its boundary is saved (removing the old ones), so the table always says
what the boundaries say now; after ``OVERLAP_MIN_HA`` changes, ``manage.py recompute_overlaps``
(``registry.overlaps``) writes them again. Each pair is stored once, the code with the smaller
id first.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.codes import AreaCode


class BoundaryOverlap(models.Model):
    first = models.ForeignKey(
        AreaCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("growing-area code")
    )
    second = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("overlapping code"),
    )
    area_ha = models.DecimalField(_("overlap (ha)"), max_digits=12, decimal_places=4)
    found_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["first", "second"]
        verbose_name = _("boundary overlap")
        verbose_name_plural = _("boundary overlaps")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="boundary_overlap_unique"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")),
                name="boundary_overlap_ordered",
            ),
        ]
        indexes = [models.Index(fields=["second", "first"], name="boundary_overlap_second_idx")]

    def __str__(self) -> str:
        return f"{self.first} ∩ {self.second}: {self.area_ha} ha"

    def other(self, code_id: int) -> AreaCode:
        return self.second if self.first_id == code_id else self.first
