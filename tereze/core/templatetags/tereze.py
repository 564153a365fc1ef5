from django import template

from tereze.core.identity import mask

register = template.Library()


@register.filter
def attr_t(obj: object, field: str) -> str:
    """{{ service|attr_t:"name" }}: the field in the active language."""
    return obj.t(field) if obj is not None and hasattr(obj, "t") else ""


@register.filter(name="mask")
def mask_filter(value: str) -> str:
    return mask(value or "")
