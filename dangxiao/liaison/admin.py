from django.contrib import admin

from .models import (
    Building,
    CannedReply,
    Compound,
    GridRole,
    Household,
    Matter,
    MatterCategory,
    MatterState,
    MatterUpdate,
    Open311Client,
    Party,
)


class SuperuserOnly(admin.ModelAdmin):
    """The liaison records hold residents' personal data: only superusers reach them in the admin."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Compound)
class CompoundAdmin(SuperuserOnly):
    list_display = ("name", "community", "latitude", "longitude")
    search_fields = ("name",)
    raw_id_fields = ("community",)


@admin.register(Building)
class BuildingAdmin(SuperuserOnly):
    list_display = ("name", "compound")
    list_select_related = ("compound",)
    search_fields = ("name", "compound__name")
    raw_id_fields = ("compound",)


@admin.register(Household)
class HouseholdAdmin(SuperuserOnly):
    list_display = ("room", "building", "size")
    list_select_related = ("building__compound",)
    search_fields = ("room", "building__name", "building__compound__name")
    raw_id_fields = ("building",)


@admin.register(GridRole)
class GridRoleAdmin(SuperuserOnly):
    list_display = ("name", "kind", "compound", "parent")
    list_filter = ("kind",)
    list_select_related = ("compound", "parent")
    search_fields = ("name", "compound__name")
    raw_id_fields = ("compound", "parent", "member", "user", "households")


@admin.register(Party)
class PartyAdmin(SuperuserOnly):
    list_display = ("name", "kind", "compound", "contact_name")
    list_filter = ("kind",)
    list_select_related = ("compound",)
    raw_id_fields = ("compound",)


@admin.register(MatterCategory)
class MatterCategoryAdmin(SuperuserOnly):
    list_display = ("name", "code", "working_committee", "respond_hours", "resolve_days", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("working_committee",)
    list_select_related = ("working_committee",)
    raw_id_fields = ("working_committee",)


@admin.register(MatterState)
class MatterStateAdmin(SuperuserOnly):
    list_display = ("code", "label", "working_committee", "order")
    list_editable = ("label", "order")
    list_filter = ("working_committee",)
    list_select_related = ("working_committee",)
    raw_id_fields = ("working_committee",)


class MatterUpdateInline(admin.TabularInline):
    model = MatterUpdate
    extra = 0
    raw_id_fields = ("actor",)


@admin.register(Matter)
class MatterAdmin(SuperuserOnly):
    list_display = ("pk", "category", "compound", "state", "level", "created_at")
    list_filter = ("state", "level", "category")
    list_select_related = ("category", "compound")
    search_fields = ("description",)
    raw_id_fields = (
        "compound",
        "building",
        "household",
        "assigned_role",
        "assigned_member",
        "assigned_party",
        "duplicate_of",
        "recorded_by",
        "resolved_by",
    )
    inlines = [MatterUpdateInline]


@admin.register(CannedReply)
class CannedReplyAdmin(SuperuserOnly):
    list_display = ("title", "state", "category", "working_committee")
    list_filter = ("working_committee",)
    list_select_related = ("category", "working_committee")
    raw_id_fields = ("working_committee", "category")


@admin.register(Open311Client)
class Open311ClientAdmin(SuperuserOnly):
    list_display = ("name", "key_prefix", "working_committee", "created_at", "revoked_at")
    readonly_fields = ("key_prefix", "key_hash")
