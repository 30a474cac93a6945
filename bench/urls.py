from django.urls import path

from bench import yardstick
from config.urls import urlpatterns as registry_urlpatterns

urlpatterns = [
    path("bench/lookup/<str:code>/", yardstick.lookup),
    path("bench/list/", yardstick.filtered_list),
    *registry_urlpatterns,
]
