"""Routes of the knowledge repository; see knowledge/urls.py. The public pages: the case
repository, a case's page and the exports of every accepted case."""

from django.urls import path

from . import public_views

urlpatterns: list = [
    path("cases/", public_views.repository, name="repository"),
    path("cases.csv", public_views.cases_csv, name="cases_csv"),
    path("cases.json", public_views.cases_json, name="cases_json"),
    path("cases/<slug:slug>/", public_views.case_page, name="case"),
]
