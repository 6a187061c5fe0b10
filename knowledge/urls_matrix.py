"""Routes of the knowledge repository; see knowledge/urls.py. The mapping matrix:
public, read only (knowledge/matrix_views.py)."""

from django.urls import path

from . import matrix_views

urlpatterns: list = [
    path("impact-matrix/", matrix_views.matrix_page, name="matrix"),
    path("impact-matrix/issue/<int:issue_id>/", matrix_views.matrix_issue, name="matrix_issue"),
    path("impact-matrix.xlsx", matrix_views.matrix_download, name="matrix_xlsx"),
]
