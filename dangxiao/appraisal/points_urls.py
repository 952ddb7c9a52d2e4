from django.urls import path

from . import points_views as views

app_name = "points"
urlpatterns = [
    path("points/", views.mine, name="mine"),
    path("points/members/<int:pk>/", views.member, name="member"),
    path("points/organizations/", views.organization_home, name="organization_home"),
    path("points/organizations/<int:pk>/", views.organization, name="organization"),
    path("points/organizations/<int:pk>/export", views.organization_export, name="organization_export"),
    path("points/rules/", views.rules, name="rules"),
]
