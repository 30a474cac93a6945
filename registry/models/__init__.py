"""The registry's records, one module per family."""

from registry.choices import (
    CapacityReason,
    CapacityState,
    CertificateValidity,
    ChangeKind,
    ChangeSource,
    ChangeSubject,
    CodeKind,
    CodeStatus,
    CooperativeStatus,
    InspectionKind,
    InspectionResult,
    SeasonStandard,
    SupervisionState,
)
from registry.models.boundaries import BoundaryOverlap
from registry.models.catalog import CertificationBody, Crop, Market
from registry.models.certificates import VietGAPCertificate
from registry.models.changes import ChangeEvent
from registry.models.codes import (
    AreaCode,
    AreaCodeMarket,
    AreaCodeStatusChange,
    CodeDeletionRefused,
    PackingHouse,
    PackingHouseMarket,
    PackingHouseStatusChange,
)
from registry.models.cooperatives import Cooperative, TrademarkRight
from registry.models.growers import Grower
from registry.models.inspections import Inspection, InspectionAttachment, InspectionSample
from registry.models.jobs import ImportJob, ImportState
from registry.models.places import Commune, Province
from registry.models.seasons import CapacityClearance, Season, SeasonMarket
from registry.models.sources import PackingHouseSource
from registry.models.subscriptions import DeliveryStatus, Subscription, WebhookDelivery
from registry.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "AreaCode",
    "AreaCodeMarket",
    "AreaCodeStatusChange",
    "BoundaryOverlap",
    "CapacityClearance",
    "CapacityReason",
    "CapacityState",
    "CertificateValidity",
    "CertificationBody",
    "ChangeEvent",
    "ChangeKind",
    "ChangeSource",
    "ChangeSubject",
    "CodeDeletionRefused",
    "CodeKind",
    "CodeStatus",
    "Commune",
    "Cooperative",
    "CooperativeStatus",
    "Crop",
    "DeliveryStatus",
    "Grower",
    "ImportJob",
    "ImportState",
    "Inspection",
    "InspectionAttachment",
    "InspectionKind",
    "InspectionResult",
    "InspectionSample",
    "Market",
    "PackingHouse",
    "PackingHouseMarket",
    "PackingHouseSource",
    "PackingHouseStatusChange",
    "Province",
    "Season",
    "SeasonMarket",
    "SeasonStandard",
    "Subscription",
    "SupervisionState",
    "TrademarkRight",
    "VietGAPCertificate",
    "WebhookDelivery",
]
