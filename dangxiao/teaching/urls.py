from django.urls import path

from . import cohort_views, course_views, enrol_views, session_views, survey_views, views

app_name = "teaching"
urlpatterns = [
    path("cohorts/", views.cohort_list, name="cohort_list"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort_detail"),
    path("cohorts/<int:pk>/enroll/", views.cohort_enroll, name="cohort_enroll"),
    path("cohorts/<int:pk>/enroll-by-rule/", views.cohort_enroll_by_rule, name="cohort_enroll_by_rule"),
    path("cohorts/<int:pk>/members/<int:member_id>/remove/", views.cohort_unenroll, name="cohort_unenroll"),
    path("cohorts/<int:pk>/rules/", views.cohort_rule_create, name="cohort_rule_create"),
    path("cohorts/<int:pk>/sessions/", views.cohort_session_create, name="cohort_session_create"),
    path("cohorts/<int:pk>/edit/", cohort_views.cohort_edit, name="cohort_edit"),
    path("cohorts/<int:pk>/close-enrolment/", cohort_views.cohort_close_enrolment, name="cohort_close_enrolment"),
    path("cohorts/<int:pk>/reopen-enrolment/", cohort_views.cohort_reopen_enrolment, name="cohort_reopen_enrolment"),
    path("cohorts/<int:pk>/archive/", cohort_views.cohort_archive, name="cohort_archive"),
    path("sessions/<int:pk>/edit/", session_views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", session_views.session_cancel, name="session_cancel"),
    path("me/cohorts/", enrol_views.my_cohorts, name="my_cohorts"),
    path("me/cohorts/<int:pk>/enrol/", enrol_views.my_cohort_enrol, name="my_cohort_enrol"),
    path("courses/", course_views.course_list, name="course_list"),
    path("courses/new/", course_views.course_create, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", course_views.course_edit, name="course_edit"),
    path("courses/<int:pk>/retire/", course_views.course_retire, name="course_retire"),
    path("courses/<int:pk>/reinstate/", course_views.course_reinstate, name="course_reinstate"),
    path("materials/<int:pk>/", views.material_download, name="material_download"),
    path("materials/<int:pk>/remove/", views.material_remove, name="material_remove"),
    path("surveys/", survey_views.survey_list, name="survey_list"),
    path("surveys/<int:pk>/", survey_views.survey_results, name="survey_results"),
    path("surveys/<int:pk>/answer/", survey_views.survey_answer, name="survey_answer"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("calendar/feeds/", views.calendar_feed_make, name="calendar_feed_make"),
    path("me/venues/", views.venues_near_me, name="venues_near_me"),
    path("me/schedule/feed-reset/", views.my_feed_reset, name="my_feed_reset"),
]
