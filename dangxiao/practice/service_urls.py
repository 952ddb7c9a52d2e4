from django.urls import path

from . import service_member_views as member
from . import service_views as staff

urlpatterns = [
    path("service/", staff.service_list, name="service_list"),
    path("service/new/", staff.service_new, name="service_new"),
    path("service/<int:pk>/", staff.service_detail, name="service_detail"),
    path("service/<int:pk>/edit/", staff.service_edit, name="service_edit"),
    path("service/<int:pk>/cancel/", staff.service_cancel, name="service_cancel"),
    path("service/<int:pk>/presence/", staff.service_presence, name="service_presence"),
    path("service/<int:pk>/hours/", staff.service_hours, name="service_hours"),
    path("service/<int:pk>/display/", staff.service_display, name="service_display"),
    path("service/<int:pk>/display/code/", staff.service_display_code, name="service_display_code"),
    path("service/participants/<int:pk>/minutes/", staff.participant_minutes, name="service_participant_minutes"),
    path("service/queue/", staff.service_queue, name="service_queue"),
    path("service/queue/approve/", staff.service_queue_approve, name="service_queue_approve"),
    path("service/participants/<int:pk>/decide/", staff.service_correction_decide, name="service_correction_decide"),
    path("service/export.xlsx", staff.service_export, name="service_export"),
    path("me/service/", member.my_services, name="my_services"),
    path("me/service/<int:pk>/sign-up/", member.sign_up, name="service_sign_up"),
    path("me/service/<int:pk>/withdraw/", member.withdraw, name="service_withdraw"),
    path("me/service/hours/", member.my_hours, name="my_service_hours"),
    path("me/service/participants/<int:pk>/correction/", member.correction, name="service_correction"),
    path("service/<int:pk>/scan/<str:token>/", member.scan, name="service_scan"),
]
