"""Watch lists (subscriptions) of the change feed and the webhook deliveries they cause.

A subscription belongs to one user (role *Subscribers*) and either names codes (growing-area
codes and packing houses) or a filter (market, province, crop; blank means any). Matching
events are POSTed to its HTTPS ``url`` (signed with its ``secret``) and/or listed in a daily
e-mail digest. Each delivery to a URL is one ``WebhookDelivery`` row: its attempts, status,
last response code and time.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry.models.changes import ChangeEvent


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Subscription(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=150)
    codes = models.JSONField(
        _("codes"),
        default=list,
        blank=True,
        help_text=_("Growing-area and packing-house codes watched; empty: use the filter."),
    )
    market_code = models.CharField(_("market"), max_length=10, blank=True)
    province_code = models.CharField(_("province"), max_length=10, blank=True)
    crop_slug = models.CharField(_("crop"), max_length=50, blank=True)
    url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    email_digest = models.BooleanField(_("daily e-mail digest"), default=False)
    active = models.BooleanField(_("active"), default=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        # the digests are written in the registry's own languages (Chinese is for public pages)
        choices=[(code, name) for code, name in settings.LANGUAGES if code in ("vi", "en")],
        default="vi",
    )
    #: the change feed's cursor the last digest reached (registry.digests)
    digest_cursor = models.CharField(_("digest cursor"), max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["secret", "digest_cursor", "updated_at"])

    class Meta:
        ordering = ["owner", "name", "id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return self.name

    def matches(self, event: ChangeEvent) -> bool:
        """Whether ``event`` concerns this watch list (the fan-out's and digest's rule). An
        event with no market passes a market filter; an inspection's events name each market
        it concerns (``registry.inspection_feed``), so a watcher of US hears nothing of an
        inspection for AU only."""
        if self.codes:
            return event.subject_code in self.codes
        return (
            (not self.market_code or event.market_code in ("", self.market_code))
            and (not self.province_code or event.province_code == self.province_code)
            and (not self.crop_slug or event.crop_slug == self.crop_slug)
        )


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event = models.ForeignKey(
        ChangeEvent, on_delete=models.PROTECT, related_name="+", verbose_name=_("event")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    response_code = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    #: retries stop WEBHOOK_RETRY_FOR_SECONDS after this (the first try, or "send again")
    retrying_since = models.DateTimeField(_("retrying since"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhook_delivery_once_per_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscription} #{self.event_id}"
