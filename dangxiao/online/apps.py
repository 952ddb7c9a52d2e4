from django.apps import AppConfig


class OnlineConfig(AppConfig):
    name = "dangxiao.online"
    label = "online"
    verbose_name = "网上班级"
