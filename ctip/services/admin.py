"""The admin site for `services` reference data (system administrators only): the catalogue,
the provider directory and the projects' standard grants. Service types are retired, never
deleted: old episodes keep pointing at them. Survivor records are not here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ctip.services.models import ProjectServiceSettings, ProviderArea, ProviderProfile, ServiceType


@admin.register(ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "counts_as_service", "active", "position")
    list_filter = ("category", "counts_as_service", "active")
    list_editable = ("active", "position")
    search_fields = ("code", "name")
    actions = ["retire", "reinstate"]

    def get_readonly_fields(self, request, obj=None):
        # The code is what imports and reports name: fixed once the type exists.
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retire: no longer offered for new episodes"))
    def retire(self, request, queryset):
        queryset.update(active=False)

    @admin.action(description=_("Reinstate"))
    def reinstate(self, request, queryset):
        queryset.update(active=True)


class ProviderAreaInline(admin.TabularInline):
    model = ProviderArea
    extra = 1


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "accepts_ctip_referrals", "phone", "email")
    list_filter = ("accepts_ctip_referrals", "organisation__provider_type", "service_types")
    search_fields = ("organisation__code", "organisation__name")
    filter_horizontal = ("service_types",)
    autocomplete_fields = ("organisation",)
    inlines = [ProviderAreaInline]


@admin.register(ProjectServiceSettings)
class ProjectServiceSettingsAdmin(admin.ModelAdmin):
    list_display = ("organisation", "standard_grant_amount", "standard_grant_currency")
