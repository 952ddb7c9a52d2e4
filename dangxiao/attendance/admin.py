from django.contrib import admin

from .models import AttendancePolicy, LeaveRequest, StudyHourEntry, StudyHourRule


@admin.register(AttendancePolicy)
class AttendancePolicyAdmin(admin.ModelAdmin):
    list_display = ("school", "opens_minutes_before", "late_after_minutes", "code_step_seconds", "minutes_per_hour")


@admin.register(StudyHourRule)
class StudyHourRuleAdmin(admin.ModelAdmin):
    list_display = ("school", "year", "member_hours", "leader_hours", "exempt_elderly_infirm")


@admin.register(StudyHourEntry)
class StudyHourEntryAdmin(admin.ModelAdmin):
    list_display = ("member", "date", "hours", "source", "category")
    list_filter = ("source",)
    raw_id_fields = ("member", "session", "created_by")


@admin.register(LeaveRequest)
class LeaveRequestAdmin(admin.ModelAdmin):
    list_display = ("member", "session", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("member", "session", "decided_by")
