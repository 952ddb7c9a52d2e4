from django.urls import path

from . import views

app_name = "school"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("network/", views.network, name="network"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("lecturers/", views.lecturers, name="lecturers"),
]
