"""The households that farm a growing area (nông hộ): name, plot area, phone.

Personal data: only signed-in users with ``registry.view_grower`` see them (admin, API,
downloads); the public sees how many there are and their total plot area, never a name
(GLOBALG.A.P. hides a group's members from the public by default). Whether the households
agree with the code's own area and household count is advice, not a rule
(``registry.rules.growers``).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models.base import RegistryModel
from registry.models.codes import AreaCode


class Grower(RegistryModel):
    area_code = models.ForeignKey(
        AreaCode,
        on_delete=models.PROTECT,
        related_name="growers",
        verbose_name=_("growing-area code"),
    )
    name = models.CharField(
        _("household name"), max_length=255, help_text=_("The head of the household, usually.")
    )
    plot_area_ha = models.DecimalField(_("plot area (ha)"), max_digits=10, decimal_places=2)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    history = HistoricalRecords(excluded_fields=["search_text", "updated_at"])

    search_sources = ("name", "phone", "area_code.code")

    class Meta:
        ordering = ["area_code__code", "name", "id"]
        verbose_name = _("grower")
        verbose_name_plural = _("growers")
        constraints = [
            models.UniqueConstraint(fields=["area_code", "name"], name="grower_unique_name"),
            models.CheckConstraint(
                condition=models.Q(plot_area_ha__gt=0), name="grower_plot_area_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.plot_area_ha is not None and self.plot_area_ha <= 0:
            raise ValidationError({"plot_area_ha": _("The plot area must be greater than zero.")})
