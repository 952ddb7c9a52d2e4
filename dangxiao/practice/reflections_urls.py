from django.urls import path

from . import reflections_views as views

app_name = "reflections"
urlpatterns = [
    path("reflections/", views.mine, name="mine"),
    path("reflections/new/", views.new, name="new"),
    path("reflections/review/", views.queue, name="queue"),
    path("reflections/<int:pk>/", views.detail, name="detail"),
    path("reflections/<int:pk>/edit/", views.edit, name="edit"),
    path("reflections/<int:pk>/review/", views.review, name="review"),
    path("reflections/<int:pk>/photos/<int:photo_id>", views.photo, name="photo"),
    path("organizations/<int:pk>/reflections/", views.organization, name="organization"),
]
