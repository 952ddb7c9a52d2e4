from django import template
from django.utils.safestring import mark_safe

from dangxiao.core.critical_css import critical_css as _critical_css

register = template.Library()


@register.simple_tag
def critical_css() -> str:
    """The purged site stylesheet for an inline <style> (our own files, read once per process)."""
    return mark_safe(_critical_css())  # noqa: S308 - our own static files, `</` escaped
