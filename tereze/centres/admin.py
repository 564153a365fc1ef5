from django.contrib import admin

from tereze.centres.models import Centre


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "region", "address")
    list_filter = ("region",)
