from django.contrib import admin

from .models import Question


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "activity", "status", "answered", "anonymous", "created_at")
    list_filter = ("status", "answered", "anonymous")
    raw_id_fields = ("activity", "participant")
