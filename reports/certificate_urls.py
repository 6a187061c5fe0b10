"""Certificates of participation (namespace "certificates",
reports/certificate_views.py). Every route needs rows in
tests/reports/test_certificate_matrix.py."""

from django.urls import path

from . import certificate_views as views

app_name = "certificates"

# The organisers' PDF of an event's certificates (built by the tasks worker).
EVENT = "processes/<slug:process>/events/<int:event_id>/certificates"

urlpatterns = [
    path("me/certificates/", views.my_certificates, name="mine"),
    path("me/certificates/<int:attendance_id>.pdf", views.my_certificate_pdf, name="mine_pdf"),
    path("i/<str:token>/certificate.pdf", views.invitation_certificate_pdf, name="invitation_pdf"),
    path(EVENT + "/", views.event_certificates, name="event_certificates"),
    path(EVENT + "/status", views.event_certificates_status, name="event_status"),
    path(EVENT + ".pdf", views.event_certificates_pdf, name="event_pdf"),
]
