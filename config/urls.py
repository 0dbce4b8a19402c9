from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from matching.apis import FeedbackApi, ResolveApi
from probes.apis import PassportEndpointsApi, PassportProbesApi
from registry import log_apis
from registry.apis import (
    PassportDetailApi,
    PassportListApi,
    PassportVersionsApi,
    PublicKeyApi,
    ValidateApi,
    VerifyApi,
    jwks,
    schema_json,
)
from registry.log_apis import LogApi, LogConsistencyApi, LogProofApi, PassportBundleApi

api_v1 = [
    path("api/v1/passport", PassportListApi.as_view(), name="passport-list"),
    path("api/v1/passport/<str:slug>", PassportDetailApi.as_view(), name="passport-detail"),
    path(
        "api/v1/passport/<str:slug>/versions",
        PassportVersionsApi.as_view(),
        name="passport-versions",
    ),
    path(
        "api/v1/passport/<str:slug>/endpoints",
        PassportEndpointsApi.as_view(),
        name="passport-endpoints",
    ),
    path("api/v1/passport/<str:slug>/bundle", PassportBundleApi.as_view(), name="passport-bundle"),
    path("api/v1/passport/<str:slug>/probes", PassportProbesApi.as_view(), name="passport-probes"),
    path("api/v1/validate", ValidateApi.as_view(), name="validate"),
    path("api/v1/verify", VerifyApi.as_view(), name="verify"),
    path("api/v1/trust-passport-public-key", PublicKeyApi.as_view(), name="public-key"),
    path("api/v1/resolve", ResolveApi.as_view(), name="resolve"),
    path("api/v1/feedback", FeedbackApi.as_view(), name="feedback"),
    path("api/v1/log", LogApi.as_view(), name="log"),
    path("api/v1/log/proof", LogProofApi.as_view(), name="log-proof"),
    path("api/v1/log/consistency", LogConsistencyApi.as_view(), name="log-consistency"),
]

urlpatterns = [
    *api_v1,
    path(".well-known/jwks.json", jwks, name="jwks"),
    path("log/checkpoint", log_apis.checkpoint, name="log-checkpoint"),
    re_path(r"^log/(?P<path>tile/.+)$", log_apis.tile, name="log-tile"),
    path("schema.json", schema_json, name="schema"),
    path("api/schema/", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]

handler400 = "api.errors.bad_request"
handler404 = "web.views.errors.page_not_found"
handler500 = "api.errors.json_500"
