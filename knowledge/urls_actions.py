"""Routes of the knowledge repository; see knowledge/urls.py. The action catalogue: the
public catalogue and the managers' pages (knowledge/action_views.py)."""

from django.urls import path

from . import action_views as views

urlpatterns: list = [
    path("actions/", views.catalogue_page, name="actions"),
    path("manage/actions/", views.manage_list, name="manage_actions"),
    path("manage/actions/promote", views.promote_page, name="manage_actions_promote"),
    path("manage/actions/<int:pk>/", views.manage_edit, name="manage_action"),
    path("manage/actions/<int:pk>/delete", views.manage_delete, name="manage_action_delete"),
]
