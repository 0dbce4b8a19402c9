"""The site's URLs and error handlers, plus views that fail: for tests/web/test_errors.py."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config import urls

SECRET_DETAIL = "database password is hunter2"  # what an unhandled error must never show


def broken_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET_DETAIL)


def forbidden_page(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET_DETAIL)


class BrokenApi(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("broken", broken_page),
    path("forbidden", forbidden_page),
    path("api/v1/broken", BrokenApi.as_view()),
    path(".well-known/broken", broken_page),
    path("log/broken", broken_page),
    path("api/v1/forbidden", forbidden_page),
    *urls.urlpatterns,
]

handler400 = urls.handler400
handler403 = urls.handler403
handler404 = urls.handler404
handler500 = urls.handler500
