"""`{% sort_th table "key" "css classes" %}`: a table header that sorts by its column (core.tables)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def sort_th(table, key: str, css: str = ""):
    header = table.headers[key]
    cls = format_html(' class="{}"', css) if css else ""
    if not header.sortable:
        return format_html("<th{}>{}</th>", cls, header.label)
    arrow = {"ascending": "▲", "descending": "▼"}.get(header.aria_sort, "")
    aria = format_html(' aria-sort="{}"', header.aria_sort) if header.aria_sort else ""
    hint = _("按此列排序")
    return format_html(
        '<th{}{} data-table="{}" data-sort="{}"><a class="link-dark text-decoration-none text-nowrap" href="{}" title="{}">{}'
        '<span class="small ms-1" aria-hidden="true">{}</span></a></th>',
        cls,
        aria,
        table.table.name,
        key,
        header.url,
        hint,
        header.label,
        arrow,
    )
