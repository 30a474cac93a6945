"""The enumerations live in ``registry.choices``, below the models, so the pure rules can use
them; this module keeps the paths the settings name (``ENUM_NAME_OVERRIDES``)."""

from registry.choices import (
    CertificateValidity,
    ChangeSource,
    CodeKind,
    CodeStatus,
    CooperativeStatus,
)

__all__ = ["CertificateValidity", "ChangeSource", "CodeKind", "CodeStatus", "CooperativeStatus"]
