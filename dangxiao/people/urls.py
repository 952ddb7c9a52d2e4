from django.urls import path

from . import member_views, org_views, views, views_activation

app_name = "people"
urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/export.xlsx", views.member_export, name="member_export"),
    path("members/import/", views.member_import, name="member_import"),
    path("members/import-template.xlsx", views.import_template, name="import_template"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("members/activation-codes/", views_activation.activation_codes, name="activation_codes"),
    path("members/<int:pk>/activation-code/", views_activation.member_activation_code, name="member_activation_code"),
    path("members/new/", member_views.member_create, name="member_create"),
    path("members/<int:pk>/edit/", member_views.member_edit, name="member_edit"),
    path("members/<int:pk>/confirm/", member_views.member_confirm, name="member_confirm"),
    path("members/<int:pk>/transfer/", member_views.member_transfer, name="member_transfer"),
    path("members/<int:pk>/leave/", member_views.member_leave, name="member_leave"),
    path("members/transfers/", member_views.transfer_inbox, name="transfer_inbox"),
    path("members/transfers/<int:pk>/accept/", member_views.transfer_accept, name="transfer_accept"),
    path("members/transfers/<int:pk>/refuse/", member_views.transfer_refuse, name="transfer_refuse"),
    path("members/transfers/<int:pk>/withdraw/", member_views.transfer_withdraw, name="transfer_withdraw"),
    path("organizations/", org_views.organization_list, name="organization_list"),
    path("organizations/<int:pk>/", org_views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/edit/", org_views.organization_edit, name="organization_edit"),
    path("organizations/<int:pk>/add/", org_views.organization_add_child, name="organization_add_child"),
    path("organizations/<int:pk>/move/", org_views.organization_move, name="organization_move"),
    path("organizations/<int:pk>/dissolve/", org_views.organization_dissolve, name="organization_dissolve"),
    path("organizations/<int:pk>/member-picker/", org_views.member_picker, name="organization_member_picker"),
    path("organizations/<int:pk>/parent-picker/", org_views.parent_picker, name="organization_parent_picker"),
    path("organizations/<int:pk>/roles/", org_views.role_grant, name="role_grant"),
    path("organizations/import/", org_views.tree_import, name="organization_import"),
    path("organizations/import-template.xlsx", org_views.tree_template, name="organization_template"),
    path("organizations/export.xlsx", org_views.tree_export, name="organization_export"),
    path("roles/", org_views.role_list, name="role_list"),
    path("roles/<int:pk>/withdraw/", org_views.role_withdraw, name="role_withdraw"),
]
