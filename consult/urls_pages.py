"""Pages of the consultation side."""

from django.conf import settings
from django.urls import path
from django.views.generic import TemplateView

from . import manage_views, translation_views, views

app_name = "consult"

C = "c/<slug:process>/<slug:slug>/"

urlpatterns = [
    path(
        "terms/",
        TemplateView.as_view(
            template_name="consult/terms.html", extra_context={"version": settings.TERMS_VERSION}
        ),
        name="terms",
    ),
    path(C, views.consultation_detail, name="consultation"),
    path(C + "follow", views.follow, name="follow"),
    path(C + "translate", translation_views.translate, name="translate"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(C + "moderation/", views.moderation_log, name="moderation_log"),
    path(C + "validate/", views.validate, name="validate"),
    path(C + "validate/<int:section_id>", views.answer, name="answer"),
    path(C + "rounds/<int:round_id>/", views.round_results, name="round_results"),
    path(C + "you-said-we-did/", views.you_said_we_did, name="you_said_we_did"),
    path(
        C + "inputs/<str:kind>/<int:input_id>/disposition",
        views.set_disposition,
        name="set_disposition",
    ),
    path(C + "s/<int:section_id>/", views.section_detail, name="section"),
    path(C + "s/<int:section_id>/comment", views.add_comment, name="add_comment"),
    path(C + "evidence/<int:evidence_id>/remove", views.detach_evidence, name="detach_evidence"),
    path(C + "comments/<int:comment_id>/edit", views.edit_comment, name="edit_comment"),
    path(C + "comments/<int:comment_id>/delete", views.delete_comment, name="delete_comment"),
    path(C + "comments/<int:comment_id>/react", views.react, name="react"),
    path(C + "comments/<int:comment_id>/report", views.report, name="report"),
    path(C + "comments/<int:comment_id>/moderate", views.moderate, name="moderate"),
    # The organisers' pages (consult/manage_views.py).
    path("c/<slug:process>/new", manage_views.new_consultation, name="new_consultation"),
    path(C + "manage/", manage_views.manage, name="manage"),
    path(C + "manage/status", manage_views.set_status, name="set_status"),
    path(C + "manage/version", manage_views.publish_version, name="publish_version"),
    path(C + "manage/rounds/open", manage_views.open_round, name="open_round"),
    path(C + "manage/rounds/<int:round_id>/close", manage_views.close_round, name="close_round"),
]
