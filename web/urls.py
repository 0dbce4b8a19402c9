from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.registry_list, name="list"),
    path("passports/<str:slug>", views.passport_detail, name="detail"),
    path("compare", views.compare, name="compare"),
    path("match", views.match, name="match"),
    path("match/feedback", views.match_feedback, name="feedback"),
    path("verify", views.verify, name="verify"),
    path("methodology", views.methodology, name="methodology"),
    path("submit", views.submit, name="submit"),
]
