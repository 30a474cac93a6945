from rest_framework.routers import DefaultRouter

from registry.api import views
from registry.api.changes import ChangeFeedViewSet
from registry.api.growers import GrowerViewSet
from registry.api.inspections import InspectionViewSet
from registry.api.seasons import SeasonViewSet
from registry.api.sources import PackingHouseSourceViewSet
from registry.api.subscriptions import SubscriptionViewSet

router = DefaultRouter(trailing_slash="/?")
router.register("area-codes", views.AreaCodeViewSet, basename="area-code")
router.register("packing-houses", views.PackingHouseViewSet, basename="packing-house")
router.register("cooperatives", views.CooperativeViewSet, basename="cooperative")
router.register("vietgap-certificates", views.CertificateViewSet, basename="certificate")
router.register("inspections", InspectionViewSet, basename="inspection")
router.register("seasons", SeasonViewSet, basename="season")
router.register("packing-house-sources", PackingHouseSourceViewSet, basename="packing-house-source")
router.register("growers", GrowerViewSet, basename="grower")
router.register("changes", ChangeFeedViewSet, basename="change")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("markets", views.MarketViewSet, basename="market")
router.register("crops", views.CropViewSet, basename="crop")
router.register("provinces", views.ProvinceViewSet, basename="province")
router.register("communes", views.CommuneViewSet, basename="commune")

urlpatterns = router.urls
