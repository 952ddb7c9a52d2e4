"""Included at the site root without a namespace, so every name carries the `doc_` prefix."""

from django.urls import path

from . import document_views as views

urlpatterns = [
    path("sessions/<int:pk>/sign-in-sheet.pdf", views.sign_in_sheet, name="doc_sign_in_sheet"),
    path("sessions/<int:pk>/roll-template.xlsx", views.roll_template, name="doc_roll_template"),
    path("sessions/<int:pk>/roll-import", views.roll_import_view, name="doc_roll_import"),
    path("me/hours/certificate/<int:year>.pdf", views.my_certificate, name="doc_my_certificate"),
    path("members/<int:pk>/certificate/<int:year>.pdf", views.member_certificate, name="doc_member_certificate"),
    path("verify/", views.verify_form, name="doc_verify"),
    path("verify/<str:code>/", views.verify_code, name="doc_verify_code"),
]
