"""Pages of the consultation side (terms now; consultations, sections and reports next)."""

from django.conf import settings
from django.urls import path
from django.views.generic import TemplateView

app_name = "consult"

urlpatterns = [
    path(
        "terms/",
        TemplateView.as_view(
            template_name="consult/terms.html", extra_context={"version": settings.TERMS_VERSION}
        ),
        name="terms",
    ),
]
