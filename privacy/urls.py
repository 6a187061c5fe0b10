"""The signed-in person's own data, under /me/data/. No route takes an id."""

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("download.json", views.download, name="download"),
    path("correct/", views.correct, name="correct"),
    path("erase/", views.erase, name="erase"),
]
