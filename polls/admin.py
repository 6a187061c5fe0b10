from django.contrib import admin

from .models import Ballot


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["activity", "participant", "choice", "updated_at"]
    list_select_related = ["activity", "participant"]
    raw_id_fields = ["activity", "participant"]
