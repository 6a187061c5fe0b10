"""Routes of the knowledge repository; see knowledge/urls.py. A case's evidence (the
managers' page): putting the case to validation with experts, attaching a closed
validation round or a peer-learning activity, removing a copy."""

from django.urls import path

from . import evidence_views as views

E = "manage/cases/<int:pk>/evidence"

urlpatterns: list = [
    path(E, views.page, name="manage_evidence"),
    path(E + "/validate", views.validate, name="manage_evidence_validate"),
    path(E + "/round", views.attach_round, name="manage_evidence_round"),
    path(E + "/activity", views.attach_activity, name="manage_evidence_activity"),
    path(E + "/<int:evidence_id>/remove", views.detach, name="manage_evidence_detach"),
]
