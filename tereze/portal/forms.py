"""Citizen forms. Labels on every field; errors are attached to the field they concern."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tereze.applications.forms import add_document_fields
from tereze.core.identity import IdentityNumberError, validate_bin, validate_iin
from tereze.core.models import Language, Notification
from tereze.registry.models import Standard

IDENTITY_ERRORS = {
    "digits": _("Enter the 12 digits of the number, without spaces."),
    "check": _("This number is not valid: check the digits."),
}


def _identity(value: str, validate: Any) -> str:
    value = re.sub(r"\s", "", value or "")
    if len(value) != 12 or not value.isdigit():
        raise forms.ValidationError(IDENTITY_ERRORS["digits"])
    try:
        return str(validate(value))
    except IdentityNumberError:
        raise forms.ValidationError(IDENTITY_ERRORS["check"]) from None


class SignInForm(forms.Form):
    iin = forms.CharField(label=_("Your IIN (individual identification number)"), max_length=20,
                          widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "username"}))
    bin = forms.CharField(label=_("BIN of the business you represent (leave empty to sign in for yourself)"),
                          max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    def clean_iin(self) -> str:
        return _identity(self.cleaned_data["iin"], validate_iin)

    def clean_bin(self) -> str:
        value = self.cleaned_data.get("bin", "")
        return _identity(value, validate_bin) if value.strip() else ""


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the SMS"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "pattern": "[0-9]{6}"}))

    def clean_code(self) -> str:
        value = self.cleaned_data["code"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."))
        return value


class AssistStartForm(forms.Form):
    iin = forms.CharField(label=_("IIN of the citizen you are helping"), max_length=20,
                          widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    def clean_iin(self) -> str:
        return _identity(self.cleaned_data["iin"], validate_iin)


PHONE = re.compile(r"^\+?[0-9 ()\-]{10,20}$")


class ApplicantForm(forms.Form):
    """Contact details for this application; identity comes from the register and is not typed."""

    phone = forms.CharField(label=_("Phone for questions about this application"), max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    address = forms.CharField(label=_("Address for correspondence"), max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if not PHONE.match(value):
            raise forms.ValidationError(_("Enter a phone number such as +7 701 234 56 78."))
        return value


class DocumentsForm(forms.Form):
    """One file field per document the applicant hands in (register documents are not asked for)."""

    def __init__(self, *args: Any, standard: Standard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_document_fields(self, standard)


class TierForm(forms.Form):
    tier_code = forms.ChoiceField(label=_("Term and fee"), widget=forms.RadioSelect, required=False)

    def __init__(self, *args: Any, standard: Standard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        standard_choice = (
            "", _("Standard term: %(days)s working days, fee %(fee)s ₸")
            % {"days": standard.deadline_working_days, "fee": standard.fee})
        self.fields["tier_code"].choices = [standard_choice] + [  # type: ignore[attr-defined]
            (t.code, _("%(name)s: %(days)s working days, fee %(fee)s ₸")
             % {"name": t.t("name"), "days": t.deadline_working_days, "fee": t.fee})
            for t in standard.tiers.all()]


class ResubmitForm(forms.Form):
    note = forms.CharField(label=_("What you corrected (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, standard: Standard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_document_fields(self, standard)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"), coerce=int, widget=forms.RadioSelect,
        choices=[(5, _("5: excellent")), (4, _("4: good")), (3, _("3: acceptable")), (2, _("2: poor")),
                 (1, _("1: very poor"))])
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class PreferencesForm(forms.Form):
    notify_by = forms.MultipleChoiceField(label=_("Tell me by"), choices=Notification.Channel.choices,
                                          widget=forms.CheckboxSelectMultiple)
    language = forms.ChoiceField(label=_("Language of messages"), choices=Language.choices)


class TotpForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=6, min_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
