"""Routes of the knowledge repository; see knowledge/urls.py. The managers' pages
(under /manage/) and the proposal pages of anyone signed in."""

from django.urls import path

from . import manage_views as views

M = "manage/cases/<int:pk>/"

urlpatterns: list = [
    path("manage/cases/", views.case_list, name="manage_cases"),
    path("manage/cases/new", views.case_new, name="manage_case_new"),
    path(M, views.case_edit, name="manage_case"),
    path(M + "versions", views.case_versions, name="manage_versions"),
    path(M + "review", views.case_review, name="manage_review"),
    path(M + "translate", views.case_translate, name="manage_translate"),
    path("manage/impact-areas/", views.vocabulary, name="manage_vocabulary"),
    path("propose-a-case/", views.propose, name="propose"),
    path("my-cases/", views.my_cases, name="my_cases"),
    path("my-cases/<int:pk>/", views.my_case_edit, name="my_case_edit"),
]
