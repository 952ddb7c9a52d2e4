from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "dangxiao.attendance"
    label = "attendance"
    verbose_name = "考勤与学时"
