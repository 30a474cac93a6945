"""The admin, one module per model family. Importing this package registers them all."""

from registry.admin import (  # noqa: F401
    boundaries,
    catalog,
    certificates,
    codes,
    cooperatives,
    growers,
    inspections,
    jobs,
    places,
    seasons,
    sources,
    subscriptions,
    users,
)
