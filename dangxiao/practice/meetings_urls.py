"""主题党日 and 三会一课 pages, under practice/ (namespace "practice")."""

from django.urls import path

from . import meetings_views as views

app_name = "practice"

urlpatterns = [
    path("compliance/", views.compliance, name="compliance"),
    path("frequencies/", views.frequencies, name="frequencies"),
    path("themed-days/", views.themed_day_list, name="themed_day_list"),
    path("themed-days/new/", views.themed_day_create, name="themed_day_create"),
    path("themed-days/<int:pk>/edit/", views.themed_day_edit, name="themed_day_edit"),
    path("themed-days/<int:pk>/retire/", views.themed_day_retire, name="themed_day_retire"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/retire/", views.meeting_retire, name="meeting_retire"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("lecturers/", views.lecturers, name="lecturers"),
]
