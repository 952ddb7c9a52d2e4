from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "dangxiao.api"
    label = "api"
    verbose_name = "接口"
