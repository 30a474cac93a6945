"""The registry's records, one module per family."""

from registry.choices import (
    CertificateValidity,
    ChangeSource,
    CodeKind,
    CodeStatus,
    CooperativeStatus,
    InspectionKind,
    InspectionResult,
    SupervisionState,
)
from registry.models.boundaries import BoundaryOverlap
from registry.models.catalog import CertificationBody, Crop, Market
from registry.models.certificates import VietGAPCertificate
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
from registry.models.inspections import Inspection, InspectionAttachment, InspectionSample
from registry.models.jobs import ImportJob, ImportState
from registry.models.places import Commune, Province
from registry.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "AreaCode",
    "AreaCodeMarket",
    "AreaCodeStatusChange",
    "BoundaryOverlap",
    "CertificateValidity",
    "CertificationBody",
    "ChangeSource",
    "CodeDeletionRefused",
    "CodeKind",
    "CodeStatus",
    "Commune",
    "Cooperative",
    "CooperativeStatus",
    "Crop",
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
    "PackingHouseStatusChange",
    "Province",
    "SupervisionState",
    "TrademarkRight",
    "VietGAPCertificate",
]
