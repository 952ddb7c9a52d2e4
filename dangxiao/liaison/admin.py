from django.contrib import admin

from .models import Compound


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "latitude", "longitude")
    search_fields = ("name",)
    raw_id_fields = ("community",)
