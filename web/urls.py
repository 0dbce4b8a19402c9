from django.urls import path, re_path

from .views import claims, markdown, match, passports, verify

app_name = "web"

urlpatterns = [
    path("", passports.registry_list, name="list"),
    re_path(r"^passports/(?P<slug>[^/]+)\.md$", markdown.passport_markdown, name="markdown"),
    path("passports/<str:slug>", passports.passport_detail, name="detail"),
    path("compare", passports.compare, name="compare"),
    path("match", match.match, name="match"),
    path("match/feedback", match.match_feedback, name="feedback"),
    path("verify", verify.verify, name="verify"),
    path("methodology", verify.methodology, name="methodology"),
    path("submit", claims.submit, name="submit"),
]
