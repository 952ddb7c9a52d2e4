"""The lobby screen, its kiosk accounts and the members-at-risk export (included at the root, no namespace)."""

from django.urls import path

from . import dashboard_views as views

urlpatterns = [
    path("lobby/", views.lobby, name="lobby"),
    path("lobby/fragment/", views.lobby_fragment, name="lobby_fragment"),
    path("lobby/enter/<str:key>/", views.kiosk_enter, name="kiosk_enter"),
    path("lobby/screens/", views.kiosk_list, name="kiosk_list"),
    path("lobby/screens/<int:pk>/retire/", views.kiosk_retire, name="kiosk_retire"),
]
