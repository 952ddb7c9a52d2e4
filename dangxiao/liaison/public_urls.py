"""Residents' pages (no account): report from the QR poster, follow one's own matter, the public
board; and the printed poster (staff)."""

from django.urls import path

from . import public_views as views

app_name = "residents"
urlpatterns = [
    path("r/<str:token>/", views.report, name="report"),
    path("r/<str:token>/similar/", views.similar, name="similar"),
    path("r/<str:token>/board/", views.board, name="board"),
    path("m/", views.lookup, name="lookup"),
    path("m/<str:token>/", views.matter, name="matter"),
    path("liaison/compounds/<int:pk>/poster.pdf", views.poster_pdf, name="poster"),
]
