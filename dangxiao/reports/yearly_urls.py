from django.urls import path

from . import yearly_views as views

app_name = "yearly_report"
urlpatterns = [
    path("", views.yearly_report, name="request"),
    path("new/", views.yearly_request, name="new"),
    path("<int:org_id>/<int:year>/", views.yearly_status, name="status"),
    path("<int:org_id>/<int:year>/report.pdf", views.yearly_download, name="download"),
]
