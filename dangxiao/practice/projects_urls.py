"""Frontline projects and mentorships under /practice/ (namespace practice_projects)."""

from django.urls import path

from . import projects_views as views

app_name = "practice_projects"
urlpatterns = [
    path("mine/", views.my_practice, name="my_practice"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:project_id>/close/", views.project_close, name="project_close"),
    path("projects/<int:project_id>/retire/", views.project_retire, name="project_retire"),
    path("projects/<int:project_id>/phases/", views.phase_add, name="phase_add"),
    path("projects/<int:project_id>/trainees/", views.trainee_add, name="trainee_add"),
    path("projects/<int:project_id>/log/", views.log_new, name="log_new"),
    path("phases/<int:phase_id>/", views.phase_update, name="phase_update"),
    path("phases/<int:phase_id>/remove/", views.phase_remove, name="phase_remove"),
    path("trainees/<int:trainee_id>/assess/", views.trainee_assess, name="trainee_assess"),
    path("trainees/<int:trainee_id>/remove/", views.trainee_remove, name="trainee_remove"),
    path("logs/<int:log_id>/photo/", views.log_photo, name="log_photo"),
    path("mentorships/", views.mentorship_list, name="mentorship_list"),
    path("mentorships/new/", views.mentorship_new, name="mentorship_new"),
    path("mentorships/<int:mentorship_id>/", views.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<int:mentorship_id>/edit/", views.mentorship_edit, name="mentorship_edit"),
    path("mentorships/<int:mentorship_id>/close/", views.mentorship_close, name="mentorship_close"),
    path("mentorships/<int:mentorship_id>/retire/", views.mentorship_retire, name="mentorship_retire"),
    path("mentorships/<int:mentorship_id>/meeting/", views.meeting_new, name="meeting_new"),
]
