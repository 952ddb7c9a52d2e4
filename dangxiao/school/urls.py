from django.urls import path

from . import network_views, plan_views, views

app_name = "school"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("edit/", network_views.school_edit, name="school_edit"),
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/new/", plan_views.plan_create, name="plan_create"),
    path("plans/<int:pk>/edit/", plan_views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/submit/", plan_views.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/return/", plan_views.plan_return, name="plan_return"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("venues/", network_views.venue_list, name="venue_list"),
    path("venues/new/", network_views.venue_create, name="venue_create"),
    path("venues/<int:pk>/edit/", network_views.venue_edit, name="venue_edit"),
    path("venues/<int:pk>/retire/", network_views.venue_retire, name="venue_retire"),
    path("partners/new/", network_views.partner_create, name="partner_create"),
    path("partners/<int:pk>/edit/", network_views.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/retire/", network_views.partner_retire, name="partner_retire"),
    path("partners/<int:pk>/agreements/new/", network_views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/renew/", network_views.agreement_renew, name="agreement_renew"),
    path("agreements/<int:pk>/end/", network_views.agreement_end, name="agreement_end"),
    path("network/", views.network, name="network"),
    path("venues/<int:pk>/", views.venue_detail, name="venue_detail"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/<int:pk>/", views.partner_detail, name="partner_detail"),
    path("teachers/", views.teacher_list, name="teacher_list"),
    path("teachers/<int:pk>/", views.teacher_detail, name="teacher_detail"),
    path("lecturers/", views.lecturers, name="lecturers"),
]
