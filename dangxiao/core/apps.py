from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangxiao.core"
    label = "core"
    verbose_name = "核心"
