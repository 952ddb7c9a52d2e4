from django.urls import path

from . import figures_views

app_name = "liaison_figures"
urlpatterns = [
    path("figures/", figures_views.figures, name="figures"),
    path("figures/export.xlsx", figures_views.figures_export, name="figures_export"),
    path("settings/", figures_views.liaison_settings, name="settings"),
]
