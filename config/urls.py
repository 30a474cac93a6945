from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz, readyz
from registry import subscription_pages
from registry.feeds import ChangesAtomFeed

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # set_language: the admin header's language switch (Vietnamese by default, English on request)
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("registry.api.urls")),
    path("open-data/", include("registry.open_data.urls")),
    path("feeds/changes.atom", ChangesAtomFeed(), name="changes-atom"),
    path("subscriptions/", subscription_pages.subscriptions_page, name="subscriptions-page"),
    path(
        "subscriptions/<int:pk>/delete/",
        subscription_pages.delete_subscription,
        name="subscriptions-delete",
    ),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registry/subscriptions/login.html"),
        name="login",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # The public verification pages: search at /, /codes/<code>/, /packing-houses/, /stats/
    path("", include("registry.public.urls")),
]

handler400 = "registry.api.errors.bad_request"
handler403 = "registry.api.errors.permission_denied"
handler404 = "registry.api.errors.page_not_found"
handler500 = "registry.api.errors.server_error"
