"""Public Service Centres (front office)."""

from __future__ import annotations

from django.db import models

from tereze.registry.models import Region, Translated

DEFAULT_HOURS = {str(day): ["09:00", "20:00"] for day in range(6)}  # Monday-Saturday, no lunch break


class Centre(Translated, models.Model):
    code = models.CharField(max_length=32, unique=True)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="centres")
    address = models.CharField(max_length=300)
    opening_hours = models.JSONField(default=dict, help_text="weekday (0=Monday) -> [opens, closes]")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_en
