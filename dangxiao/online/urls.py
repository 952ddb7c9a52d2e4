from django.urls import path

from . import staff_views, views

app_name = "online"
urlpatterns = [
    path("", views.my_lessons, name="my_lessons"),
    path("lessons/<int:pk>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:pk>/read/", views.lesson_read, name="lesson_read"),
    path("lessons/<int:pk>/video", views.lesson_video, name="lesson_video"),
    path("lessons/<int:pk>/document", views.lesson_document, name="lesson_document"),
    path("lessons/<int:pk>/quiz/", views.lesson_quiz, name="quiz"),
    path("practice/<int:pk>/", views.practice_task, name="practice"),
    path("practice/submissions/<int:pk>/photo", views.submission_photo, name="submission_photo"),
    # Staff managing the cohort
    path("cohorts/<int:pk>/", staff_views.cohort_manage, name="cohort"),
    path("cohorts/<int:pk>/lessons/new", staff_views.lesson_add, name="lesson_add"),
    path("cohorts/<int:pk>/practice/new", staff_views.task_add, name="task_add"),
    path("lessons/<int:pk>/manage/", staff_views.lesson_manage, name="lesson_manage"),
    path("practice/submissions/<int:pk>/review", staff_views.submission_review, name="submission_review"),
]
