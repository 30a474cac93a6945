"""Subscriptions and their webhook deliveries, for Administrators: who watches what, and
whether the deliveries arrive. The signing secret is never shown (its owner saw it once);
a delivery can be sent again (a new 24-hour window of retries)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from registry import webhooks
from registry.models import Subscription, WebhookDelivery


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["name", "owner", "url", "email_digest", "active", "created_at"]
    list_filter = ["active", "email_digest"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__username", "url"]
    exclude = ["secret"]
    readonly_fields = ["created_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"  # webhooks are https only (registry.outbound)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subscription",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "subscription"]
    list_select_related = ["subscription", "event"]
    search_fields = ["subscription__name", "event__subject_code"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["change"])
    def send_again(self, request, queryset):
        sent = webhooks.send_again(queryset)
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", sent)
            % {"count": sent},
            messages.SUCCESS,
        )
