"""The practice app's pages: each helper's module of patterns, included under one namespace."""

from django.urls import include, path

app_name = "practice"

urlpatterns = [
    path("", include("dangxiao.practice.service_urls")),
]
