from django.urls import path

from . import views

app_name = "synthesis"

urlpatterns = [
    path(
        "console/<str:code>/activities/<int:activity_id>/themes",
        views.board_themes,
        name="board_themes",
    ),
]
