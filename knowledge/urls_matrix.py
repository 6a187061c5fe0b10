"""Routes of the knowledge repository; see knowledge/urls.py."""

urlpatterns: list = []
