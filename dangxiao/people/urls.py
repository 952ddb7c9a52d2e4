from django.urls import path

from . import views, views_activation

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
    path("organizations/", views.organization_list, name="organization_list"),
]
