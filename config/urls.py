from django.contrib import admin
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from registry.api.views import PassportDetailApi, PassportListApi, ValidateApi

api_v1 = [
    path("api/v1/passport", PassportListApi.as_view(), name="passport-list"),
    path("api/v1/passport/<str:slug>", PassportDetailApi.as_view(), name="passport-detail"),
    path("api/v1/validate", ValidateApi.as_view(), name="validate"),
]

urlpatterns = [
    *api_v1,
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "registry.api.errors.json_400"
handler404 = "registry.api.errors.json_404"
handler500 = "registry.api.errors.json_500"
