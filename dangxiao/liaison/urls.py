"""The handlers' matter pages (staff and grid leaders), under /liaison/."""

from django.urls import path

from . import views

app_name = "liaison"
urlpatterns = [
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/export.xlsx", views.matter_export, name="matter_export"),
    path("matters/new/", views.matter_new, name="matter_new"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/reveal/", views.matter_reveal, name="matter_reveal"),
    path("matters/<int:pk>/photos/<int:photo_pk>/", views.matter_photo, name="matter_photo"),
    path("matters/<int:pk>/accept/", views.matter_accept, name="matter_accept"),
    path("matters/<int:pk>/assign/", views.matter_assign, name="matter_assign"),
    path("matters/<int:pk>/assign/members/", views.matter_assign_members, name="matter_assign_members"),
    path("matters/<int:pk>/state/", views.matter_state, name="matter_state"),
    path("matters/<int:pk>/note/", views.matter_note, name="matter_note"),
    path("matters/<int:pk>/resolve/", views.matter_resolve, name="matter_resolve"),
    path("matters/<int:pk>/merge/", views.matter_merge, name="matter_merge"),
]
