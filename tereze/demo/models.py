from django.db import models

from tereze.core import clock


class DemoRun(models.Model):
    """Marks that the demo country was loaded (and with which seed), so a rerun adds nothing."""

    seed = models.IntegerField()
    scale = models.FloatField()
    started_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"demo seed={self.seed} scale={self.scale}"
