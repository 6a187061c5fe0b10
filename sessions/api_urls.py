from django.urls import path

from .api import JoinView

urlpatterns = [
    path("sessions/<str:code>/join", JoinView.as_view(), name="api-join"),
]
