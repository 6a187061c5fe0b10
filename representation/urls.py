"""The target mix and the representation of a process, an event, a live session and a
consultation, under the process's slug."""

from django.urls import path

from . import views

app_name = "representation"

P = "processes/<slug:slug>/"
PEOPLE = "representation/people/<str:dimension>/<str:value>/"
SCOPES = {
    "process": P,
    "event": P + "events/<int:event_id>/",
    "session": P + "sessions/<str:code>/",
    "consultation": P + "consultations/<slug:consultation>/",
}

urlpatterns = [
    path(P + "targets/", views.targets, name="targets"),
    path(SCOPES["session"] + "representation.json", views.session_json, name="session_json"),
    path(
        SCOPES["session"] + "representation/projector.json",
        views.projector_json,
        name="session_projector_json",
    ),
]
for kind, prefix in SCOPES.items():
    urlpatterns += [
        path(prefix + "representation/", views.representation_page, name=f"{kind}_page"),
        path(prefix + PEOPLE, views.people_page, name=f"{kind}_people"),
    ]
