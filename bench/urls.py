import os

from django.urls import path

from bench import yardstick
from config.urls import urlpatterns as registry_urlpatterns

if os.environ.get("REGISTRY_PREPARED_LOOKUPS") == "0":
    # The benchmark's "without prepared look-ups" server (bench/run.py): each detail is
    # built, compiled and run by the ORM on every request, as it would be without
    # registry/api/prepared.py. Same query, same rows, same conversions.
    from registry.api.prepared import PreparedLookup

    def _unprepared_rows(self, value, using=None):  # using=None: the router decides
        return list(self.build().filter(**{self.field: value}).using(using))

    PreparedLookup.rows = _unprepared_rows

urlpatterns = [
    path("bench/lookup/<str:code>/", yardstick.lookup),
    path("bench/list/", yardstick.filtered_list),
    path("bench/code-page/<str:code>/", yardstick.code_page),
    *registry_urlpatterns,
]
