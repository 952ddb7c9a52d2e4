from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "dangxiao.people"
    label = "people"
    verbose_name = "组织与党员"
