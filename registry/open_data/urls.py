from django.urls import path

from registry.open_data import views

urlpatterns = [
    path("", views.catalogue, name="open-data"),
    path("<str:snapshot_id>/<path:path>", views.snapshot_file, name="open-data-file"),
]
