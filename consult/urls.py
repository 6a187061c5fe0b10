from django.contrib import admin
from django.urls import include, path

from . import language
from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("api/", include("sessions.api_urls")),
    path("api/", include("consult.api_urls")),
    path("api/", include("knowledge.api_urls")),
    path("", include("consult.urls_pages")),
    path("", include("representation.urls")),
    path("directory/", include("people.urls")),
    path("", include("outreach.newsletter_urls")),
    path("", include("outreach.urls")),
    path("me/data/", include("privacy.urls")),
    path("", include(("privacy.export_log", "privacy_log"))),
    path("", include("synthesis.urls")),
    path("", include("consensus.urls")),
    path("", include("knowledge.urls")),
    path("", include("reports.certificate_urls")),
    path("", include("reports.urls")),
    path("", include("frontend.calendar_urls")),
    path("", include("frontend.urls")),
]

# Under /api/, an address no route matches answers in the API's one error shape.
handler404 = "consult.api_errors.not_found"
