from django.apps import AppConfig


class PracticeConfig(AppConfig):
    """What members do with what they learnt: themed Party days and 三会一课, volunteer service,
    frontline projects and mentorships, reflections (SYSTEM.md §2.4)."""

    name = "dangxiao.practice"
    label = "practice"
    verbose_name = "实践与组织生活"
