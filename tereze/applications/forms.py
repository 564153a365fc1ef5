from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tereze.applications.actions import Decision
from tereze.registry.models import Standard


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        (Decision.APPROVE, _("approve")), (Decision.REFUSE, _("refuse")),
        (Decision.RETURN, _("return for correction"))])
    ground_code = forms.ChoiceField(label=_("Refusal ground (rule of the standard)"), required=False)
    document_code = forms.ChoiceField(label=_("Document to correct"), required=False)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: object, standard: Standard, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["ground_code"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (g.code, f"{g.code}: {g.t('text')}") for g in standard.refusal_grounds.all()]
        self.fields["document_code"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (d.code, d.t("name")) for d in standard.documents.all()]


def add_document_fields(form: forms.Form, standard: Standard) -> None:
    """One file field per document the applicant hands in (`doc_<code>`); documents a register
    supplies are never asked for. The one place that builds these fields."""
    limit_mb = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
    for document in standard.documents.all():
        if document.source == "applicant":
            form.fields[f"doc_{document.code}"] = forms.FileField(
                label=document.t("name"), required=False,
                help_text=_("PDF, JPEG or PNG, up to %(mb)s MB") % {"mb": limit_mb},
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))


class IntakeForm(forms.Form):
    """The operator's form, built from the standard in force: one file field per document the
    applicant hands in (register documents are fetched, never asked for)."""

    applicant_id = forms.CharField(label=_("Applicant IIN / BIN"), max_length=12, min_length=12)
    tier_code = forms.ChoiceField(label=_("Term"), required=False)

    def __init__(self, *args: object, standard: Standard, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        tiers = list(standard.tiers.all())
        self.fields["tier_code"].choices = [("", _("standard term"))] + [  # type: ignore[attr-defined]
            (t.code, f"{t.t('name')} — {t.deadline_working_days} / {t.fee} ₸") for t in tiers]
        add_document_fields(self, standard)


class ReassignForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reassignment"), min_length=10,
                             widget=forms.Textarea(attrs={"rows": 2}))


class IssueForm(forms.Form):
    confirmation_code = forms.CharField(label=_("Code from the applicant's SMS"), max_length=6, required=False)
    signed_on_screen = forms.BooleanField(label=_("The applicant signed on the screen instead"), required=False)
