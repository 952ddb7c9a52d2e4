from django.urls import path  # noqa: F401

app_name = "liaison_figures"
urlpatterns: list = []
