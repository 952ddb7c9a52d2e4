from django.urls import path

from . import views

app_name = "attendance"
urlpatterns = [
    path("sessions/<int:pk>/rate/", views.session_rate, name="session_rate"),
]
