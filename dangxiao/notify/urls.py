from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("badge/", views.badge, name="badge"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("robots/", views.robots, name="robots"),
    path("robots/<int:pk>/retire/", views.robot_retire, name="robot_retire"),
    path("activation-sms/<int:member_pk>/", views.activation_sms, name="activation_sms"),
]
