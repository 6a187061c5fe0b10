"""Report pages (namespace "reports"). Every route needs rows in
tests/reports/test_permission_matrix.py."""

from django.urls import path

from . import process_views, views

app_name = "reports"

S = "console/<str:code>/report"
R = "reports/<str:token>/"
PR = "processes/<slug:slug>/report"
GR = "programme/report"

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
    path(PR + "/", process_views.process_page, name="process_page"),
    path(PR + "/status", process_views.process_status, name="process_status"),
    path(PR + ".pdf", process_views.process_pdf, name="process_pdf"),
    path(PR + ".xlsx", process_views.process_xlsx, name="process_xlsx"),
    path(PR + "/charts/<int:number>.svg", process_views.process_chart, name="process_chart"),
    path(GR + "/", process_views.programme_page, name="programme_page"),
    path(GR + "/status", process_views.programme_status, name="programme_status"),
    path(GR + ".pdf", process_views.programme_pdf, name="programme_pdf"),
    path(GR + ".xlsx", process_views.programme_xlsx, name="programme_xlsx"),
    path(GR + "/charts/<int:number>.svg", process_views.programme_chart, name="programme_chart"),
]
