"""Report pages (namespace "reports"). Every route needs rows in
tests/reports/test_permission_matrix.py."""

from django.urls import path

from . import views

app_name = "reports"

S = "console/<str:code>/report"
R = "reports/<str:token>/"

urlpatterns = [
    path(S, views.workshop, name="workshop"),
    path(S + "/notes", views.notes, name="notes"),
    path(S + "/publish", views.publish, name="publish"),
    path(S + "/attach", views.attach, name="attach"),
    path(S + "/status", views.status, name="status"),
    path(S + ".pdf", views.pdf, name="pdf"),
    path(R, views.shared, name="shared"),
    path(R + "report.pdf", views.shared_pdf, name="shared_pdf"),
    path(R + "charts/<int:number>.svg", views.chart, name="chart"),
]
