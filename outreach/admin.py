from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from people.services import record_bounce

from . import selectors
from .models import Invitation, InvitationText


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations, read-only: they are made and answered through the pages. The one
    action records a bounce reported by the mail provider (no inbound mail here)."""

    list_display = ["person", "process", "target", "sent_at", "answer", "reminders"]
    list_filter = ["answer", "process"]
    search_fields = ["person__name", "person__emails__email"]
    list_select_related = ["person", "process", "event", "session__event", "consultation"]
    actions = ["mark_bounced"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("invited to"))
    def target(self, obj: Invitation) -> str:
        return selectors.target_of(obj).label

    @admin.action(description=_("Record a bounce for the invitees' addresses"))
    def mark_bounced(self, request, queryset) -> None:
        count = 0
        for invitation in queryset.select_related("person"):
            address = selectors.usable_address(invitation.person)
            if address and record_bounce(email=address, reason="recorded in the admin"):
                count += 1
        self.message_user(
            request,
            ngettext("%(n)d address marked bounced.", "%(n)d addresses marked bounced.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(InvitationText)
class InvitationTextAdmin(admin.ModelAdmin):
    list_display = ["process", "stakeholder_group", "subject", "updated_at"]
    list_filter = ["process"]
