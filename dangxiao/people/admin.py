from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import ActivationCode, ApiToken, Member, Organization, Role, User


@admin.register(User)
class DangxiaoUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("党校"), {"fields": ("must_change_password",)}),)


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin):
    form = movenodeform_factory(Organization)
    list_display = ("name", "code", "kind", "unit_type", "dissolved_on")
    search_fields = ("name", "code")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "status", "industry", "position")
    list_filter = ("status", "is_mobile", "is_elderly_infirm", "is_organ_worker", "is_new_employment", "position")
    search_fields = ("name", "phone")
    raw_id_fields = ("organization", "user")
    list_select_related = ("organization",)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "organization")
    list_filter = ("kind",)
    raw_id_fields = ("user", "organization")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash",)


@admin.register(ActivationCode)
class ActivationCodeAdmin(admin.ModelAdmin):
    list_display = ("member", "created_at", "expires_at", "used_at", "revoked_at")
    readonly_fields = ("code_hash",)
    raw_id_fields = ("member", "issued_by")
