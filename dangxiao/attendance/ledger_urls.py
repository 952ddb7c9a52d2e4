"""学时 and attendance-analysis pages, included at the site root without a namespace (names start with ledger_)."""

from django.urls import path

from . import ledger_views

urlpatterns = [
    path("me/hours/", ledger_views.my_hours, name="ledger_my_hours"),
    path("study-hours/", ledger_views.compliance, name="ledger_compliance"),
    path("study-hours/export.xlsx", ledger_views.compliance_export, name="ledger_compliance_export"),
    path("study-hours/rules/", ledger_views.rules, name="ledger_rules"),
    path("attendance/analysis/", ledger_views.analysis, name="ledger_analysis"),
    path("attendance/analysis/export.xlsx", ledger_views.analysis_export, name="ledger_analysis_export"),
]
