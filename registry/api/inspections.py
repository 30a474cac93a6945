"""``/api/v1/inspections/``: the supervision record of codes and packing houses.

Anyone may read when, how and with what result a code was inspected (the public signal that
it is supervised). The inspectors' names, the findings, the laboratory samples and the
attached files are for signed-in users who may view inspections (``registry.view_
inspection``: every role); for others those fields are ``null``. Writing needs the model's
add/change permission (Administrators and Data entry, as for codes). An inspection's key is
its id (``12``, or its reference ``INS-12``): it has no natural number of its own, since
record numbers are optional, differ between offices and may be corrected.
"""

from django.db import transaction
from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action

from registry import inspection_feed, keys
from registry.api.downloads import DownloadMixin
from registry.api.history import CanViewRecords
from registry.api.serializers import MarketField, ModelCleanMixin, NaturalKeyField
from registry.api.viewsets import RegistryViewSet, documented
from registry.filtersets import InspectionFilterSet
from registry.models import (
    AreaCode,
    Inspection,
    InspectionAttachment,
    InspectionSample,
    PackingHouse,
)
from registry.rules import inspections as inspection_rules

PERMISSION = "registry.view_inspection"


def may_see_details(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.has_perm(PERMISSION))


class InspectionSampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionSample
        fields = [
            "substance",
            "result_value",
            "limit_value",
            "unit",
            "exceeded",
            "laboratory",
            "report_number",
        ]


class InspectionAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download (signed-in users only).")

    class Meta:
        model = InspectionAttachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "description",
            "uploaded_at",
            "url",
        ]

    def get_url(self, attachment) -> str:
        path = reverse(
            "inspection-attachment",
            kwargs={"pk": attachment.inspection_id, "attachment_id": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def _code(field: str):
    @extend_schema_field(serializers.CharField(allow_null=True))
    def read(self, inspection):
        related = getattr(inspection, field)
        return related.code if related else None

    return read


class InspectionSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(
        read_only=True, help_text="INS-<id>, as status changes cite it."
    )
    code = serializers.SerializerMethodField(help_text="The growing-area code inspected.")
    packing_house = serializers.SerializerMethodField(help_text="The packing house inspected.")
    markets = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Markets concerned (none: all)."
    )
    proposes_suspension = serializers.SerializerMethodField(
        help_text="A non-compliant result or a sample above its limit."
    )
    inspectors = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    samples = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    get_code = _code("area_code")
    get_packing_house = _code("packing_house")

    class Meta:
        model = Inspection
        fields = [
            "id",
            "reference",
            "code",
            "packing_house",
            "inspected_on",
            "inspecting_body",
            "kind",
            "result",
            "corrective_action_deadline",
            "record_number",
            "markets",
            "proposes_suspension",
            "inspectors",
            "findings",
            "samples",
            "attachments",
            "updated_at",
        ]

    def _details(self) -> bool:
        return may_see_details(self.context.get("request"))

    def get_proposes_suspension(self, inspection) -> bool:
        return bool(inspection_rules.grounds(inspection))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_inspectors(self, inspection):
        return inspection.inspectors if self._details() else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_findings(self, inspection):
        return inspection.findings if self._details() else None

    @extend_schema_field(InspectionSampleSerializer(many=True, allow_null=True))
    def get_samples(self, inspection):
        if not self._details():
            return None
        return InspectionSampleSerializer(inspection.samples.all(), many=True).data

    @extend_schema_field(InspectionAttachmentSerializer(many=True, allow_null=True))
    def get_attachments(self, inspection):
        if not self._details():
            return None
        return InspectionAttachmentSerializer(
            inspection.attachments.all(), many=True, context=self.context
        ).data


class InspectionSampleWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionSample
        fields = InspectionSampleSerializer.Meta.fields


class InspectionWriteSerializer(ModelCleanMixin, serializers.ModelSerializer):
    """Codes and markets by their keys; ``samples``, when sent, replace the samples."""

    code = NaturalKeyField(
        source="area_code",
        slug_field="code",
        queryset=AreaCode.objects.all(),
        normalise=keys.normalise_code,
        required=False,
        allow_null=True,
    )
    packing_house = NaturalKeyField(
        slug_field="code",
        queryset=PackingHouse.objects.all(),
        normalise=keys.normalise_code,
        required=False,
        allow_null=True,
    )
    markets = serializers.ListField(child=MarketField(), required=False)
    samples = InspectionSampleWriteSerializer(many=True, required=False)

    class Meta:
        model = Inspection
        fields = [
            "code",
            "packing_house",
            "inspected_on",
            "inspecting_body",
            "inspectors",
            "kind",
            "result",
            "findings",
            "corrective_action_deadline",
            "record_number",
            "markets",
            "samples",
        ]

    def validate(self, attrs):
        plain = {k: v for k, v in attrs.items() if k not in ("markets", "samples")}
        super().validate(plain)
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        markets = validated_data.pop("markets", None)
        samples = validated_data.pop("samples", None)
        inspection = Inspection.objects.create(**validated_data)
        self._related(inspection, markets, samples)
        inspection_feed.record_inspection(inspection)  # the feed's event, with the markets
        return inspection

    @transaction.atomic
    def update(self, inspection, validated_data):
        markets = validated_data.pop("markets", None)
        samples = validated_data.pop("samples", None)
        for name, value in validated_data.items():
            setattr(inspection, name, value)
        inspection.save()
        self._related(inspection, markets, samples)
        inspection_feed.record_inspection(inspection)  # a changed result, kind, date, markets
        return inspection

    @staticmethod
    def _related(inspection, markets, samples) -> None:
        if markets is not None:
            inspection.markets.set(markets)
        if samples is not None:
            inspection.samples.all().delete()
            for sample in samples:
                InspectionSample.objects.create(inspection=inspection, **sample)


@documented(InspectionSerializer, InspectionWriteSerializer)
class InspectionViewSet(DownloadMixin, RegistryViewSet):
    """Inspections of growing-area codes and packing houses, newest first, by id."""

    queryset = Inspection.objects.select_related("area_code", "packing_house").prefetch_related(
        "markets", "samples", "attachments"
    )
    serializer_class = InspectionSerializer
    write_serializer_class = InspectionWriteSerializer
    filterset_class = InspectionFilterSet
    lookup_value_regex = "(?:[Ii][Nn][Ss]-)?[0-9]+"
    ordering = ["-inspected_on", "-id"]
    ordering_fields = ["inspected_on", "kind", "result", "updated_at", "id"]

    @staticmethod
    def normalise_lookup(value: str) -> str:
        return value.upper().removeprefix("INS-")

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The attached file."
            )
        },
        summary="Download a file attached to an inspection (signed-in users only)",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment",
        permission_classes=[CanViewRecords],
        filter_backends=[],
        pagination_class=None,
    )
    def attachment(self, request, attachment_id=None, **kwargs):
        inspection = self.get_object()
        found = inspection.attachments.filter(pk=attachment_id).first()
        if found is None:
            raise Http404
        response = FileResponse(
            found.file.open("rb"),
            as_attachment=True,
            filename=found.original_name,
            content_type=found.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
