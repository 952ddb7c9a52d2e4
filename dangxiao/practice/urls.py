"""The practice app's pages under one namespace ("practice"): each helper's module of patterns joined here,
since two includes of one namespace would leave half of its names unreachable by reverse()."""

from . import meetings_urls, service_urls

app_name = "practice"

urlpatterns = [*meetings_urls.urlpatterns, *service_urls.urlpatterns]
