from django.apps import AppConfig


class TeachingConfig(AppConfig):
    name = "dangxiao.teaching"
    label = "teaching"
    verbose_name = "教学计划"
