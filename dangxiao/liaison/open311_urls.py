from django.urls import path

from . import open311_views as views

app_name = "open311"
urlpatterns = [
    path("services.json", views.services, name="services"),
    path("services/<str:code>.json", views.service_definition, name="service"),
    path("requests.json", views.requests, name="requests"),
    path("requests/<str:request_id>.json", views.request_detail, name="request"),
    path("<path:name>.xml", views.xml_refused, name="xml"),
]
