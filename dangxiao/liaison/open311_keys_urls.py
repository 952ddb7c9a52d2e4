from django.urls import path

from . import open311_key_views as views

app_name = "open311_keys"
urlpatterns = [
    path("keys/", views.key_list, name="keys"),
    path("keys/<int:pk>/revoke/", views.key_revoke, name="revoke"),
    path("keys/<int:pk>/limit/", views.key_limit, name="limit"),
]
