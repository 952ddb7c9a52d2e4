from django.apps import AppConfig


class LiaisonConfig(AppConfig):
    name = "dangxiao.liaison"
    label = "liaison"
    verbose_name = "联户与关键小事"
