"""Routes of the knowledge repository; see knowledge/urls.py. The managers' translation
pages of the impact vocabulary and of an action of the catalogue
(knowledge/translation_views.py)."""

from django.urls import path

from . import translation_views as views

urlpatterns: list = [
    path(
        "manage/impact-areas/translate",
        views.vocabulary_translate,
        name="manage_vocabulary_translate",
    ),
    path(
        "manage/actions/<int:pk>/translate",
        views.action_translate,
        name="manage_action_translate",
    ),
]
