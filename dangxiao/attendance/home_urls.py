"""送学上门, at the site root without a namespace: every name starts with `home_`."""

from django.urls import path

from . import home_views

urlpatterns = [
    path("home-delivery/", home_views.home_delivery, name="home_delivery"),
    path("home-delivery/pairs/<int:pk>/visit/", home_views.home_visit_new, name="home_visit_new"),
    path("home-delivery/visits/<int:pk>/confirm/", home_views.home_visit_confirm, name="home_visit_confirm"),
    path("home-delivery/visits/<int:pk>/photo/", home_views.home_visit_photo, name="home_visit_photo"),
    path("home-delivery/cohorts/<int:cohort_id>/", home_views.home_cohort, name="home_cohort"),
    path("home-delivery/cohorts/<int:cohort_id>/pairs/", home_views.home_pair_create, name="home_pair_create"),
]
