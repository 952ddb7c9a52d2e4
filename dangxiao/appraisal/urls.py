"""民主评议, 评优评先 and 考核述职 pages, under the `appraisal` namespace."""

from django.urls import path

from . import appraisal_views as views
from . import commendation_views

app_name = "appraisal"
urlpatterns = [
    path("me/appraisals/", views.my_appraisals, name="my_list"),
    path("me/appraisals/<int:pk>/", views.my_appraisal, name="my_detail"),
    path("me/appraisals/<int:pk>/self-assessment/", views.my_self_assessment, name="my_self_assessment"),
    path("me/appraisals/<int:pk>/vote/", views.my_vote, name="my_vote"),
    path("appraisal-vote/", views.code_vote, name="code_vote"),
    path("appraisals/", views.appraisal_list, name="list"),
    path("appraisals/<int:pk>/", views.appraisal_detail, name="detail"),
    path("appraisals/<int:pk>/close/", views.appraisal_close, name="close"),
    path("appraisals/<int:pk>/propose/", views.appraisal_propose, name="propose"),
    path("appraisals/<int:pk>/decide/", views.appraisal_decide, name="decide"),
    path("appraisals/<int:pk>/codes/", views.appraisal_codes, name="codes"),
    path("appraisal-follow-ups/", views.follow_ups, name="follow_ups"),
    path("appraisal-follow-ups/<int:pk>/", views.follow_up_edit, name="follow_up"),
    path("commendations/", commendation_views.commendations, name="commendations"),
    path("yearly-records/", commendation_views.records, name="records"),
    path("yearly-records/report.pdf", commendation_views.records_pdf, name="records_pdf"),
    path("yearly-records/report.xlsx", commendation_views.records_xlsx, name="records_xlsx"),
    path("yearly-records/members/<int:pk>.pdf", commendation_views.member_record_pdf, name="member_record_pdf"),
]
