"""The admin site, for system administrators only (see AdminOnlyForSysadminMiddleware).

Survivor records are deliberately absent: administrators configure, they do not read cases.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from ctip.core.models import ApiToken, AuditEntry, ImportBatch, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "provider_type", "country", "parent")
    list_filter = ("kind", "provider_type", "country")
    search_fields = ("code", "name")
    readonly_fields = ("path",)


@admin.register(User)
class CtipUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "organisation", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (
        ("ctip", {"fields": ("role", "organisation", "pii_granted")}),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "at", "actor_username", "action", "object_type", "object_ref", "source")
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "object_ref")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "file_name", "organisation", "created", "updated")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")
