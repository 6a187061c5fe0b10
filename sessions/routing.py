from django.urls import re_path

from .consumers import RoomConsumer

websocket_urlpatterns = [
    re_path(r"^ws/s/(?P<code>[A-Za-z0-9]{1,12})/$", RoomConsumer.as_asgi()),
]
