"""Enumerations shared by models, rules, filters and the API; below the models (imports none)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    REVOKED = "revoked", _("revoked")


class ChangeSource(models.TextChoices):
    REGISTRATION = "registration", _("registration")
    IMPORTING_COUNTRY_NOTICE = "importing_country_notice", _("importing-country notice")
    LOCAL_INSPECTION = "local_inspection", _("local inspection")
    HOLDER_REQUEST = "holder_request", _("request of the holder")
    CERTIFICATE_EXPIRY = "certificate_expiry", _("certificate expiry")
    OTHER = "other", _("other")


class CodeKind(models.TextChoices):
    EXPORT = "export", _("export")
    DOMESTIC = "domestic", _("domestic")


class CooperativeStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    SUSPENDED = "suspended", _("suspended")
    DISSOLVED = "dissolved", _("dissolved")


class CertificateValidity(models.TextChoices):
    NOT_YET_VALID = "not_yet_valid", _("not yet in force")
    VALID = "valid", _("valid")
    EXPIRING = "expiring", _("expiring")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class InspectionKind(models.TextChoices):
    PERIODIC = "periodic", _("periodic")
    UNANNOUNCED = "unannounced", _("unannounced")
    IMPORTING_COUNTRY_AUDIT = "importing_country_audit", _("importing-country audit")
    VIDEO = "video", _("video inspection")
    FOLLOW_UP = "follow_up", _("follow-up")


class InspectionResult(models.TextChoices):
    COMPLIANT = "compliant", _("compliant")
    FINDINGS_TO_CORRECT = "findings_to_correct", _("findings to correct")
    NON_COMPLIANT = "non_compliant", _("non-compliant")


class SupervisionState(models.TextChoices):
    """A code's monitoring state, derived from its inspections (registry.rules.supervision)."""

    MONITORED = "monitored", _("monitored")
    DUE = "due", _("inspection due")
    OVERDUE = "overdue", _("inspection overdue")
    NEVER = "never", _("never inspected")


class Verdict(models.TextChoices):
    """What the public page answers for one code, one market, one day
    (registry.rules.verdicts): valid, or the one reason it is not."""

    VALID = "valid", _("valid")
    BASIS_NOT_IN_FORCE = "basis_not_in_force", _("not valid: VietGAP basis not in force")
    SUSPENDED = "suspended", _("suspended")
    REVOKED = "revoked", _("revoked")
    NOT_REGISTERED = "not_registered", _("not registered")


class SeasonStandard(models.TextChoices):
    """The production standard a season was grown under (Decision 3156/QĐ-BNN-TT asks for it)."""

    VIETGAP = "vietgap", _("VietGAP")
    GLOBALGAP = "globalgap", _("GlobalG.A.P.")
    ORGANIC = "organic", _("organic")
    OTHER = "other", _("other or none")


class CapacityState(models.TextChoices):
    """A season's capacity check (registry.rules.capacity): derived, never typed."""

    OK = "ok", _("within capacity")
    EXCEEDED = "exceeded", _("capacity exceeded")
    CLEARED = "cleared", _("exceeded, cleared by an administrator")


class CapacityReason(models.TextChoices):
    """Why a season is flagged (registry.rules.capacity)."""

    EXPECTED_ABOVE_CAPACITY = "expected_above_capacity", _("expected output above capacity")
    ACTUAL_ABOVE_CAPACITY = "actual_above_capacity", _("actual output above capacity")
    DECLARED_ABOVE_CAPACITY = "declared_above_capacity", _("declared for export above capacity")
    DECLARED_ABOVE_OUTPUT = "declared_above_output", _("declared for export above output")


class ChangeKind(models.TextChoices):
    """What a change-feed event reports (registry.changes)."""

    STATUS_CHANGE = "status_change", _("status change")
    REVOCATION = "revocation", _("revocation")
    NEW_CODE = "new_code", _("new code")
    CERTIFICATE_EXPIRY = "certificate_expiry", _("certificate expiry")
    INSPECTION_RESULT = "inspection_result", _("inspection result")
    #: an inspection's result, kind or date corrected later (registry.changes)
    INSPECTION_CHANGE = "inspection_change", _("inspection changed")
    #: an inspection deleted (the admin allows it to those with the permission)
    INSPECTION_DELETION = "inspection_deletion", _("inspection deleted")
    #: a boundary drawn, redrawn or removed on an existing code (registry.rules.boundaries)
    BOUNDARY_CHANGE = "boundary_change", _("boundary change")


class ChangeSubject(models.TextChoices):
    AREA_CODE = "area_code", _("growing-area code")
    PACKING_HOUSE = "packing_house", _("packing house")
    CERTIFICATE = "certificate", _("VietGAP certificate")
