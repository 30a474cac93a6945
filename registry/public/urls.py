from django.urls import path, register_converter

from registry.public import views


class CodeConverter:
    """Any one path segment: the view finds the code in whatever case and dashes it came."""

    regex = "[^/]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(CodeConverter, "code")

app_name = "public"
urlpatterns = [
    path("", views.search, name="search"),
    path("stats/", views.stats, name="stats"),
    path("codes/<code:code>/", views.area_code_page, name="code"),
    path("codes/<code:code>/qr.svg", views.code_qr_svg, name="code-qr-svg"),
    path("codes/<code:code>/qr.png", views.code_qr_png, name="code-qr-png"),
    path("codes/<code:code>/label/", views.code_label, name="code-label"),
    path("packing-houses/<code:code>/", views.packing_house_page, name="packing-house"),
    path(
        "packing-houses/<code:code>/qr.svg",
        views.packing_house_qr_svg,
        name="packing-house-qr-svg",
    ),
    path(
        "packing-houses/<code:code>/qr.png",
        views.packing_house_qr_png,
        name="packing-house-qr-png",
    ),
]
