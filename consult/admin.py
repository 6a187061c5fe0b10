from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import mail
from .models import OutgoingMail, Process, RepresentationSettings


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "owner", "created_at"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(RepresentationSettings)
class RepresentationSettingsAdmin(admin.ModelAdmin):
    """Per process: the representation alert, and how long guests' profiles are kept
    (``retention_days``, empty: kept; erased by sessions.retention)."""

    list_display = ["process", "alert_gap_points", "retention_days"]
    fields = ["process", "alert_gap_points", "retention_days"]


class MailStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", _("waiting")), ("failing", _("failing")), ("sent", _("sent"))]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.exclude(sent_at=None)
        if self.value() == "failing":
            return queryset.filter(sent_at=None, attempts__gt=0)
        if self.value() == "pending":
            return queryset.filter(sent_at=None, attempts=0)
        return queryset


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    """The outbox: every message the product sent or will send, with delivery errors."""

    list_display = ["subject", "to", "created_at", "state", "sent_at", "attempts", "last_error"]
    list_filter = [MailStateFilter]
    search_fields = ["subject", "recipients"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "recipients", "subject", "created_at", "sent_at", "attempts", "last_error", "text",
    ]  # fmt: skip
    exclude = ["message"]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("to"))
    def to(self, obj: OutgoingMail) -> str:
        return ", ".join(obj.recipients)

    @admin.display(description=_("state"))
    def state(self, obj: OutgoingMail) -> str:
        if obj.sent_at:
            return _("sent")
        return _("failing") if obj.attempts else _("waiting")

    @admin.display(description=_("message"))
    def text(self, obj: OutgoingMail) -> str:
        return bytes(obj.message).decode("utf-8", errors="replace")

    @admin.action(description=_("Retry the selected unsent messages at the next pass"))
    def retry_now(self, request, queryset) -> None:
        count = mail.retry_now(queryset)
        self.message_user(request, _("%(n)d messages will be retried.") % {"n": count})
