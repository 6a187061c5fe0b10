"""Newsletter pages (namespace "newsletter", outreach/newsletter_views.py): sign-up,
confirmation and unsubscribe under /newsletter/, the directory managers' mailings under
/directory/newsletter/.

Every route here needs a row in tests/outreach/test_newsletter_matrix.py."""

from django.urls import path

from . import newsletter_views as views

app_name = "newsletter"

urlpatterns = [
    path("newsletter/", views.signup, name="signup"),
    path("newsletter/confirm/<str:token>", views.confirm, name="confirm"),
    path("newsletter/unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("directory/newsletter/", views.mailings, name="mailings"),
    path("directory/newsletter/<int:pk>/", views.mailing, name="mailing"),
    path("directory/newsletter/<int:pk>/send", views.send, name="send"),
]
