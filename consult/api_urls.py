from csp.decorators import csp_update
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("processes", api.ProcessViewSet, basename="process")
router.register("consultations", api.ConsultationViewSet, basename="consultation")


# Redoc styles itself at run time (styled-components): its page alone allows inline styles
# and the blob: worker it uses; scripts stay 'self' only.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}), "get")
class ApiDocs(SpectacularRedocView):
    pass


urlpatterns = [
    path("", include(router.urls)),
    path("consultations/<int:pk>/versions/", api.VersionList.as_view(), name="api-versions"),
    path("sections/<int:pk>/comments/", api.SectionComments.as_view(), name="api-section-comments"),
    path("comments/<int:pk>/", api.CommentDetail.as_view(), name="api-comment"),
    path("rounds/<int:pk>/answers/", api.RoundAnswer.as_view(), name="api-round-answer"),
    path("dispositions/", api.DispositionCreate.as_view(), name="api-dispositions"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", ApiDocs.as_view(url_name="api-schema"), name="api-docs"),
]
