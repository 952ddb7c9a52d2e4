from django.urls import path

from . import leave_views, schedule_views, views

app_name = "attendance"
urlpatterns = [
    path("sessions/<int:pk>/roll/", views.roll, name="roll"),
    path("sessions/<int:pk>/display/", views.display, name="display"),
    path("sessions/<int:pk>/display/code/", views.display_code, name="display_code"),
    path("sessions/<int:pk>/kiosk/", views.kiosk, name="kiosk"),
    path("sessions/<int:pk>/kiosk/scan/", views.kiosk_scan, name="kiosk_scan"),
    path("sessions/<int:pk>/leave/", views.leave_ask, name="leave_ask"),
    path("sessions/<int:pk>/rate/", views.session_rate, name="session_rate"),
    path("leave/", leave_views.inbox, name="leave_inbox"),
    path("leave/decide/", leave_views.decide, name="leave_decide_many"),
    path("leave/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    path("c/<int:pk>/<str:token>/", views.scan, name="scan"),
    path("checkin/", views.typed_check_in, name="typed_check_in"),
    path("me/card/", views.my_card, name="my_card"),
    path("me/schedule/", schedule_views.my_schedule, name="my_schedule"),
    path("members/cards/", views.member_cards, name="member_cards"),
]
