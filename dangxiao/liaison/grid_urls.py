from django.urls import path

from . import grid_views as v

app_name = "grid"
urlpatterns = [
    path("compounds/", v.compound_list, name="compound_list"),
    path("compounds/new/", v.compound_add, name="compound_add"),
    path("compounds/<int:pk>/", v.compound_detail, name="compound_detail"),
    path("compounds/<int:pk>/edit/", v.compound_edit, name="compound_edit"),
    path("compounds/<int:pk>/reset-token/", v.compound_reset_token, name="compound_reset_token"),
    path("compounds/<int:pk>/households/", v.compound_households, name="compound_households"),
    path("compounds/<int:pk>/households/<int:household_pk>/reveal/", v.household_reveal, name="household_reveal"),
    path("compounds/<int:pk>/roles/new/", v.role_add, name="role_add"),
    path("compounds/<int:pk>/roles/<int:role_pk>/edit/", v.role_edit, name="role_edit"),
    path("compounds/<int:pk>/roles/<int:role_pk>/delete/", v.role_delete, name="role_delete"),
    path("compounds/<int:pk>/roles/<int:role_pk>/reveal/", v.role_reveal, name="role_reveal"),
    path("compounds/<int:pk>/parties/new/", v.party_add, name="party_add"),
    path("compounds/<int:pk>/parties/<int:party_pk>/edit/", v.party_edit, name="party_edit"),
    path("compounds/<int:pk>/parties/<int:party_pk>/delete/", v.party_delete, name="party_delete"),
    path("households/import/", v.household_import, name="household_import"),
    path("households/import-template.xlsx", v.household_template, name="household_template"),
    path("households/export.xlsx", v.household_export, name="household_export"),
]
