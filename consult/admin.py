from django.contrib import admin

from .models import Process


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "owner", "created_at"]
    prepopulated_fields = {"slug": ["title"]}
