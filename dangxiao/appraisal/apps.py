from django.apps import AppConfig


class AppraisalConfig(AppConfig):
    """Where the records meet: points, 民主评议, 评优评先 and 考核述职 (SYSTEM.md §2.4, §3)."""

    name = "dangxiao.appraisal"
    label = "appraisal"
    verbose_name = "积分与评议"
