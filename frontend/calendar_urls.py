"""The public events calendar, its iCal files, and the consultations open now
(frontend/calendar_views.py). Every route has rows in the permission matrix of
tests/frontend/test_calendar_matrix.py."""

from django.urls import path

from . import calendar_views

app_name = "calendar"

urlpatterns = [
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar.ics", calendar_views.calendar_feed, name="feed"),
    path("calendar/<int:event_id>.ics", calendar_views.event_ics, name="event_ics"),
    path("consultations/", calendar_views.open_consultations, name="open_consultations"),
]
