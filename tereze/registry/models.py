"""The register of public services: regions, state bodies, services and their versioned standards."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Translated:
    """`obj.t("name")` gives name_kk / name_ru / name_en for the active language (Russian fallback)."""

    def t(self, field: str) -> str:
        language = (translation.get_language() or "ru")[:2]
        value = getattr(self, f"{field}_{language}", "") or getattr(self, f"{field}_ru", "")
        return str(value)


class InLanguage:
    """A translated field rendered in whatever language is active when str() is called: notifications
    render it in the recipient's language, not the sender's."""

    def __init__(self, obj: Translated, field: str) -> None:
        self.obj, self.field = obj, field

    def __str__(self) -> str:
        return self.obj.t(self.field)


class Region(Translated, models.Model):
    code = models.CharField(max_length=32, unique=True)
    name_kk = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=[("city", _("city")), ("region", _("region"))])
    population = models.PositiveIntegerField()

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en


class StateBody(Translated, models.Model):
    class Level(models.TextChoices):
        MINISTRY = "ministry", _("ministry")
        COMMITTEE = "committee", _("committee")
        DEPARTMENT = "department", _("territorial department")
        AKIMAT = "akimat", _("local executive body")

    code = models.CharField(max_length=32, unique=True)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    level = models.CharField(max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "state bodies"

    def __str__(self) -> str:
        return self.name_en


class RecipientType(models.TextChoices):
    INDIVIDUAL = "individual", _("individuals")
    BUSINESS = "business", _("businesses")
    BOTH = "both", _("individuals and businesses")


class Channel(models.TextChoices):
    CENTRE = "centre", _("public service centre")
    PORTAL = "portal", _("e-government portal")
    BODY = "body", _("the state body directly")
    POST = "post", _("post office")
    CALL_CENTRE = "call_centre", _("call centre")
    API = "api", _("integrating system")


class AccessModel(models.TextChoices):
    SINGLE = "single", _("single access: only through the single window")
    ALTERNATIVE = "alternative", _("alternative access: also directly at the body")


class Service(Translated, models.Model):
    code = models.CharField(max_length=16, unique=True)
    name_kk = models.CharField(max_length=300)
    name_ru = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    description_kk = models.TextField(blank=True)
    description_ru = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    recipient_type = models.CharField(max_length=12, choices=RecipientType.choices)
    category = models.CharField(max_length=40, help_text=_("life situation, e.g. birth, housing, business"))
    body = models.ForeignKey(StateBody, on_delete=models.PROTECT, related_name="services")
    # Lower-cased names and descriptions in all three languages: portable case-insensitive search
    # (SQLite's LIKE folds ASCII only, so Cyrillic needs this).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = " ".join(
            getattr(self, f"{f}_{lang}") for f in ("name", "description") for lang in ("kk", "ru", "en")
        ).lower() + f" {self.code.lower()}"
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ResultType(models.TextChoices):
    DOCUMENT = "document", _("a document")
    CERTIFICATE = "certificate", _("a certificate")
    REGISTRATION = "registration", _("an entry in a register")
    PAYMENT = "payment", _("a payment")
    PLACE = "place", _("a place in a waiting list")


class StandardQuerySet(models.QuerySet["Standard"]):
    def in_force(self, on: dt.date) -> StandardQuerySet:
        return self.filter(published=True, valid_from__lte=on).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=on)
        ).order_by("-version")


class Standard(models.Model):
    """One version of a service's standard. Published versions are never changed: a change is a
    new version with its own valid_from; applications keep the version in force when filed."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="standards")
    version = models.PositiveIntegerField()
    published = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    deadline_working_days = models.PositiveSmallIntegerField()
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0, help_text=_("tenge"))
    result_type = models.CharField(max_length=16, choices=ResultType.choices)
    channels = models.JSONField(default=list, help_text=_("channels where the service is offered"))
    access_model = models.CharField(max_length=12, choices=AccessModel.choices)
    allows_suspension = models.BooleanField(default=False)
    legal_basis = models.CharField(max_length=300)
    average_service_minutes = models.PositiveSmallIntegerField(default=15)

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["service__code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["service", "version"], name="one_number_per_version"),
            models.CheckConstraint(name="valid_range", condition=models.Q(valid_to__isnull=True)
                                   | models.Q(valid_to__gte=models.F("valid_from"))),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} v{self.version}"

    def allows_channel(self, channel: str) -> bool:
        """Single-access services are never taken directly at the body (that is the point of them)."""
        if channel == Channel.BODY and self.access_model == AccessModel.SINGLE:
            return False
        return channel in self.channels or (channel == Channel.API and Channel.PORTAL in self.channels)


# The state registers a standard may name; shown by name, in the reader's language.
REGISTER_LABELS = {
    "population": _("population"), "identity": _("population"), "business": _("business"),
    "property": _("property"), "civil_status": _("civil status"), "education": _("education"),
    "military": _("military registration"), "pension": _("pension"), "social": _("social assistance"),
    "medical": _("medical"), "address": _("address"), "criminal_records": _("criminal records"),
    "land": _("land cadastre"), "tax": _("tax"),
}


def register_label(code: str) -> str:
    return str(REGISTER_LABELS.get(code, code))


class DocumentSource(models.TextChoices):
    APPLICANT = "applicant", _("handed in by the applicant")
    REGISTER = "register", _("queried from a state register")


class RequiredDocument(Translated, models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField(max_length=32)
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=DocumentSource.choices)
    register_name = models.CharField(max_length=40, blank=True, help_text=_("which register supplies it"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="document_code_per_standard")]

    def __str__(self) -> str:
        return self.name_en


class Tier(Translated, models.Model):
    """A deadline option: a distance-based term or a paid fast track."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(max_length=32)
    name_kk = models.CharField(max_length=120)
    name_ru = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    deadline_working_days = models.PositiveSmallIntegerField()
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["deadline_working_days"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="tier_code_per_standard")]

    def __str__(self) -> str:
        return self.name_en


class ProcessStep(Translated, models.Model):
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    name_kk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    role = models.CharField(max_length=32)
    norm_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["order"]


class RefusalGround(Translated, models.Model):
    """A rule of the standard on which an application may be refused or returned."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="refusal_grounds")
    code = models.CharField(max_length=32)
    text_kk = models.CharField(max_length=300)
    text_ru = models.CharField(max_length=300)
    text_en = models.CharField(max_length=300)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="ground_code_per_standard")]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_en}"
