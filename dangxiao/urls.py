from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dangxiao.api.main import api
from dangxiao.core import views as core_views
from dangxiao.people import views_auth
from dangxiao.reports import plan_views as report_plan_views
from dangxiao.reports import views as report_views
from dangxiao.teaching import plan_items

urlpatterns = [
    path("", report_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("ping", core_views.ping, name="ping"),
    # The API before the pages: Django tries patterns in order, and walking the pages' 130 first cost every
    # API request a sixth of a check-in's CPU (README "Benchmarks"). No page's path starts with "api/".
    path("api/v1/", api.urls),
    path("accounts/login/", views_auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/activate/", views_auth.activate, name="activate"),
    path("accounts/password/", views_auth.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", views_auth.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/tokens/", views_auth.my_tokens, name="account_tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views_auth.my_token_revoke, name="account_token_revoke"),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("exports/", core_views.export_list, name="export_list"),
    path("exports/<str:token>/", core_views.export_download, name="export_download"),
    path("", include("dangxiao.people.urls")),
    path("", include("dangxiao.teaching.urls")),
    path("", include("dangxiao.attendance.urls")),
    path("", include("dangxiao.attendance.ledger_urls")),
    path("", include("dangxiao.attendance.document_urls")),
    path("", include("dangxiao.attendance.home_urls")),
    path("", include("dangxiao.reports.urls")),
    path("online/", include("dangxiao.online.urls")),
    path("practice/", include("dangxiao.practice.reflections_urls")),
    path("appraisal/", include("dangxiao.appraisal.points_urls")),
    path("notifications/", include("dangxiao.notify.urls")),
    # The plan's page reads the year's records, which the school app may not: it is the reports app's.
    path("school/plans/<int:pk>/", report_plan_views.plan_detail, name="plan_detail"),
    path("school/plans/<int:pk>/items/", plan_items.plan_items, name="plan_items"),
    path("school/", include("dangxiao.school.urls")),
    path("reports/yearly/", include("dangxiao.reports.yearly_urls")),
    path("liaison/", include("dangxiao.liaison.urls")),
    path("liaison/", include("dangxiao.liaison.grid_urls")),
    path("liaison/", include("dangxiao.liaison.figures_urls")),
    path("liaison/open311/", include("dangxiao.liaison.open311_keys_urls")),
    path("", include("dangxiao.liaison.public_urls")),
    path("open311/v2/", include("dangxiao.liaison.open311_urls")),
    path("practice/", include("dangxiao.practice.projects_urls")),
    path("practice/", include("dangxiao.practice.urls")),  # 主题党日, 三会一课, 志愿服务 (one namespace)
    path("", include("dangxiao.appraisal.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
