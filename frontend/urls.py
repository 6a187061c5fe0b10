import datetime as dt

from django.urls import path
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog

from . import activity_translations, presenter, views

app_name = "frontend"

# The JavaScript catalog only changes with a deploy: browsers revalidate it cheaply.
STARTED = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)

urlpatterns = [
    path("", views.home, name="home"),
    path("join", views.join, name="join"),
    path("j/<str:code>", views.join_code, name="join_code"),
    path("s/<str:code>/", views.room, name="room"),
    path("s/<str:code>/profile", views.participant_profile, name="participant_profile"),
    path("s/<str:code>/screen", views.screen, name="screen"),
    path("s/<str:code>/results/<int:activity_id>", views.activity_results, name="activity_results"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("events/<int:event_id>/", views.event_detail, name="event"),
    path("console/<str:code>/", views.console, name="console"),
    path("console/<str:code>/present", presenter.present, name="present"),
    path("console/<str:code>/activities", views.add_activity, name="add_activity"),
    path("console/<str:code>/action", views.console_action, name="console_action"),
    path(
        "console/<str:code>/activities/<int:activity_id>/evidence",
        views.attach_evidence,
        name="attach_evidence",
    ),
    path(
        "console/<str:code>/activities/<int:activity_id>/export.csv",
        views.export_csv,
        name="export_csv",
    ),
    path(
        "console/<str:code>/activities/<int:activity_id>/export.json",
        views.export_json,
        name="export_json",
    ),
    path(
        "console/<str:code>/activities/<int:activity_id>/translations",
        activity_translations.activity_translations,
        name="activity_translations",
    ),
    path(
        "jsi18n/",
        last_modified(lambda request, **kwargs: STARTED)(JavaScriptCatalog.as_view()),
        name="jsi18n",
    ),
]
