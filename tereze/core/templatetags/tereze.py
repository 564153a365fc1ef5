from django import template

from tereze.core.identity import mask
from tereze.registry.models import register_label as label_of_register

register = template.Library()


@register.filter
def attr_t(obj: object, field: str) -> str:
    """{{ service|attr_t:"name" }}: the field in the active language."""
    return obj.t(field) if obj is not None and hasattr(obj, "t") else ""


@register.filter(name="mask")
def mask_filter(value: str) -> str:
    return mask(value or "")


@register.filter
def register_label(code: str) -> str:
    """{{ d.register_name|register_label }}: the register's name in the active language."""
    return label_of_register(code or "")
