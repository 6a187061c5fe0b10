"""Invitation pages (namespace "outreach"): the organisers' under
/processes/<slug>/invitations/, the invitee's personal links under /i/<token>/.

Every route here needs a row in tests/outreach/test_permission_matrix.py."""

from django.urls import path

from . import attendance_views, translation_views, views

app_name = "outreach"

P = "processes/<slug:process>/invitations/"
I = "i/<str:token>/"  # noqa: E741 - the personal link's prefix
E = "processes/<slug:process>/events/<int:event_id>/"

urlpatterns = [
    path(P, views.invitation_list, name="list"),
    path(P + "new", views.audience, name="new"),
    path(P + "texts", views.texts, name="texts"),
    path(P + "texts/preview", views.text_preview, name="preview"),
    path(P + "texts/translate", translation_views.translate_texts, name="translate_texts"),
    path(P + "remind", views.remind, name="remind"),
    path(I, views.invitation, name="invitation"),
    path(I + "answer", views.answer, name="answer"),
    path(I + "join", views.join, name="join"),
    path(I + "register", views.register, name="register"),
    path(I + "opt-out", views.opt_out, name="opt_out"),
    # Attendance (outreach/attendance_views.py).
    path("checkin/<str:code>", attendance_views.checkin, name="checkin"),
    path(E + "checkin", attendance_views.event_checkin, name="event_checkin"),
    path(E + "attendance", attendance_views.attendance_list, name="attendance"),
]
