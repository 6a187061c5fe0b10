from django.contrib import admin

from .models import Statement


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ("text", "activity", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("activity", "author")
