"""Admin: only the per-implementer settings (due-diligence expiry). Records are edited in ctip's
own pages, through the services, never here; the `pse-concerns` group is managed under Groups."""

from django.contrib import admin

from ctip.partnerships.models import PartnershipSettings


@admin.register(PartnershipSettings)
class PartnershipSettingsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "due_diligence_valid_days")
