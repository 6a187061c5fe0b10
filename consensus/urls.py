from django.urls import path

from . import views

app_name = "consensus"

urlpatterns = [
    path(
        "console/<str:code>/activities/<int:activity_id>/common-ground",
        views.common_ground,
        name="common_ground",
    ),
]
