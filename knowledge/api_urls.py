"""The read-only API of the knowledge repository (under /api/)."""

urlpatterns: list = []
