from django.urls import path

from . import views, views_rounds

app_name = "synthesis"

# Under a consultation's address, beside consult's own pages (consult/urls_pages.py).
C = "c/<slug:process>/<slug:slug>/"

urlpatterns = [
    path(
        "console/<str:code>/activities/<int:activity_id>/themes",
        views.board_themes,
        name="board_themes",
    ),
    path(C + "s/<int:section_id>/themes", views.section_themes, name="section_themes"),
    path(C + "rounds/<int:round_id>/themes", views.round_themes, name="round_themes"),
    path(C + "rounds/<int:round_id>/balanced", views_rounds.round_balanced, name="round_balanced"),
    path(
        C + "rounds/<int:round_id>/balanced.csv",
        views_rounds.round_balanced_export,
        name="round_balanced_export",
    ),
]
