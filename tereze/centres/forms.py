from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tereze.centres.models import Centre, Counter
from tereze.centres.states import Priority, TicketKind
from tereze.registry.models import Service


def served_services(centre: Centre) -> list[Service]:
    return list(Service.objects.filter(counters__centre=centre, counters__active=True,
                                       counters__kind=Counter.Kind.WINDOW).distinct().order_by("code"))


class KioskForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you need?"), choices=TicketKind.choices,
                             widget=forms.RadioSelect, initial=TicketKind.APPLICATION)
    service = forms.ChoiceField(label=_("Service"), required=False)
    iin = forms.CharField(label=_("Your IIN"), max_length=12, required=False,
                          help_text=_("Needed to apply or to collect a result. Your ticket is bound to it."))
    priority = forms.ChoiceField(label=_("Priority group"), choices=Priority.choices, initial=Priority.NONE,
                                 help_text=_("The operator checks the proof when you are called."))

    def __init__(self, *args: object, centre: Centre, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["service"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (s.code, f"{s.code} · {s.t('name')}") for s in served_services(centre)]


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("Booking code"), max_length=12)
    iin = forms.CharField(label=_("Your IIN"), max_length=12)


class TransferForm(forms.Form):
    service = forms.ChoiceField(label=_("To the queue of service"), required=False)
    counter = forms.ChoiceField(label=_("Or to counter"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args: object, centre: Centre, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["service"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (s.code, f"{s.code} · {s.t('name')}") for s in served_services(centre)]
        self.fields["counter"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(c.pk), str(c.number)) for c in Counter.objects.filter(centre=centre, active=True)]


class OverrideForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=8)
    counter = forms.ChoiceField(label=_("Counter"))
    reason = forms.CharField(label=_("Reason (recorded and reported)"), min_length=10, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, centre: Centre, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["counter"].choices = [  # type: ignore[attr-defined]
            (str(c.pk), str(c.number)) for c in Counter.objects.filter(centre=centre, active=True)]
