"""Seats reserved per country: the inline of the session's admin page (added by the outcomes wing)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registrations.models import SeatReservation


class SeatReservationFormSet(forms.BaseInlineFormSet):
    """Refuses reservations that together exceed the session's capacity (or a session without one)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        total = sum(
            form.cleaned_data.get("seats") or 0
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if not total:
            return
        # The session form has already put the capacity typed on this page into the instance.
        capacity = self.instance.capacity
        if capacity is None:
            raise ValidationError(_("Set a capacity for the session before reserving seats for countries."))
        if total > capacity:
            raise ValidationError(
                ngettext(
                    "The reserved seats add up to %(total)d, more than the capacity of %(capacity)d seat.",
                    "The reserved seats add up to %(total)d, more than the capacity of %(capacity)d seats.",
                    capacity,
                )
                % {"total": total, "capacity": capacity}
            )


class SeatReservationForm(forms.ModelForm):
    class Meta:
        model = SeatReservation
        fields = ["country", "seats"]

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        if country and self.instance.session_id:
            taken = SeatReservation.objects.filter(session_id=self.instance.session_id, country=country)
            if taken.exclude(pk=self.instance.pk).exists():
                self.add_error("country", _("This country already has seats reserved in this session."))
        return cleaned


class SeatReservationInline(admin.TabularInline):
    model = SeatReservation
    form = SeatReservationForm
    formset = SeatReservationFormSet
    extra = 0
    verbose_name_plural = _("seats reserved per country (the rest of the capacity is open to every country)")
