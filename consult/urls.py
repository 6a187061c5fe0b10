from django.contrib import admin
from django.urls import include, path

from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("sessions.api_urls")),
    path("api/", include("consult.api_urls")),
    path("", include("consult.urls_pages")),
    path("", include("frontend.urls")),
]
