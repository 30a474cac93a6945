"""``/api/v1/subscriptions/``: a signed-in subscriber's own watch lists, and their webhook
deliveries (``…/<id>/deliveries/``). Every query is scoped to the owner: another user's
subscription is a 404. The signing secret is shown once, in the answer to the creation (or
set by the client, write-only), never again.
"""

from django.utils.translation import gettext as _
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action

from registry import keys, outbound
from registry.api.schema import RegistryAutoSchema
from registry.models import AreaCode, Crop, Market, PackingHouse, Province, Subscription
from registry.models import WebhookDelivery as Delivery

PERMISSION = "registry.view_subscription"


class MaySubscribe(permissions.BasePermission):
    """Signed in with the subscriptions permission (Subscribers, Administrators)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm(PERMISSION))


class SubscriptionSerializer(serializers.ModelSerializer):
    codes = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    market = serializers.CharField(source="market_code", required=False, allow_blank=True)
    province = serializers.CharField(source="province_code", required=False, allow_blank=True)
    crop = serializers.CharField(source="crop_slug", required=False, allow_blank=True)
    secret = serializers.CharField(write_only=True, required=False, min_length=16, max_length=100)

    class Meta:
        model = Subscription
        fields = [
            "id",
            "name",
            "codes",
            "market",
            "province",
            "crop",
            "url",
            "secret",
            "email_digest",
            "language",
            "active",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def validate_codes(self, codes):
        wanted = list(dict.fromkeys(keys.normalise_code(code) for code in codes))
        known = set(AreaCode.objects.filter(code__in=wanted).values_list("code", flat=True))
        known |= set(PackingHouse.objects.filter(code__in=wanted).values_list("code", flat=True))
        unknown = [code for code in wanted if code not in known]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown code: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return wanted

    def _key(self, value, model, field, normalise, noun):
        if not value:
            return ""
        value = normalise(value)
        if not model.objects.filter(**{field: value}).exists():
            raise serializers.ValidationError(
                _("Unknown %(noun)s: %(keys)s.") % {"noun": noun, "keys": value}
            )
        return value

    def validate_market(self, value):
        return self._key(value, Market, "code", keys.normalise_market_code, _("market"))

    def validate_province(self, value):
        return self._key(value, Province, "code", keys.normalise_province_code, _("province"))

    def validate_crop(self, value):
        return self._key(value, Crop, "slug", keys.normalise_crop_slug, _("crop"))

    def validate_url(self, value):
        if value:
            try:
                outbound.vet(value)
            except outbound.RefusedURL as refused:
                raise serializers.ValidationError(str(refused)) from None
        return value

    def validate(self, attrs):
        merged = {
            "url": self.instance.url if self.instance else "",
            "email_digest": self.instance.email_digest if self.instance else False,
        } | attrs
        if not merged["url"] and not merged["email_digest"]:
            raise serializers.ValidationError(
                {"url": [_("Give a webhook URL, or ask for the daily e-mail digest.")]}
            )
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("show_secret"):
            data["secret"] = instance.secret
        return data


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.IntegerField(source="event_id")
    kind = serializers.CharField(source="event.kind")
    subject = serializers.CharField(source="event.subject_code")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "kind",
            "subject",
            "status",
            "attempts",
            "response_code",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
        ]


class SubscriptionViewSet(viewsets.ModelViewSet):
    serializer_class = SubscriptionSerializer
    permission_classes = [MaySubscribe]
    schema = RegistryAutoSchema()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no user
            return Subscription.objects.none()
        return Subscription.objects.filter(owner=self.request.user).order_by("id")

    def get_serializer_context(self):
        return super().get_serializer_context() | {"show_secret": self.action == "create"}

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)

    @action(detail=True, methods=["get"], serializer_class=DeliverySerializer)
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        queryset = subscription.deliveries.select_related("event").order_by("-id")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
