from django.apps import AppConfig


class SchoolConfig(AppConfig):
    name = "dangxiao.school"
    label = "school"
    verbose_name = "学校与阵地"
