"""Forms of the session core's admin pages: the session page's sections and its form, and the agenda
row form of its inline (kept apart from ``sessions_app.admin``, which declares the pages)."""

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agenda.admin import ParentOutsideTheItemMixin
from agenda.models import AgendaItem
from sessions_app.models import Session


def short_item_label(item):
    """ "3 · Experiences / panel" rather than the item's full title: fits a select in a table cell."""
    return f"{item.order} · {Truncator(item.title).chars(28)}"


class ShortParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return short_item_label(obj)


class AgendaItemInlineForm(ParentOutsideTheItemMixin, forms.ModelForm):
    class Meta:
        model = AgendaItem
        fields = ["order", "parent", "kind", "title", "duration_minutes", "country"]


# Offsets a person picks, rather than a list of minutes typed as JSON.
REMINDER_CHOICES = [
    (7 * 24 * 60, _("1 week before")),
    (2 * 24 * 60, _("2 days before")),
    (24 * 60, _("1 day before")),
    (3 * 60, _("3 hours before")),
    (60, _("1 hour before")),
    (15, _("15 minutes before")),
]


# The sections of the concept note: the session, when and where, context, outcome, who takes part.
SESSION_FIELDSETS = [
    (_("Session"), {"fields": ["group", "number", "title", "slug", "status"]}),
    (
        _("Date, time and format"),
        {
            "description": _(
                "Start, registration opening and closing are entered and shown in the session's time zone."
            ),
            "fields": [
                "time_zone",
                "starts_at",
                "duration_minutes",
                "format",
                "venue",
                "join_url",
                "languages",
            ],
        },
    ),
    (_("Context"), {"fields": ["context"]}),
    (_("Main outcome"), {"fields": ["main_outcome"]}),
    (_("Participants and thematic focuses"), {"fields": ["target_participants", "thematic_focuses"]}),
    (
        _("Registration"),
        {"fields": ["capacity", "registration_opens_at", "registration_closes_at", "reminder_offsets_minutes"]},
    ),
    (_("Certificates"), {"fields": ["certificate_min_percent"]}),
    (_("Translations"), {"fields": ["translation_status"]}),
    (_("Computed agenda"), {"fields": ["computed_agenda"]}),
    (_("Calendar file"), {"classes": ["collapse"], "fields": ["uid", "ics_sequence"]}),
]
SESSION_READONLY_FIELDS = ["computed_agenda", "translation_status", "uid", "ics_sequence"]


class SessionAdminForm(forms.ModelForm):
    """Field errors, in the staff's language, for what the database constraints would refuse."""

    reminder_offsets_minutes = forms.TypedMultipleChoiceField(
        label=_("Reminders"),
        coerce=int,
        choices=REMINDER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Confirmed participants get a reminder by e-mail at each time ticked."),
    )

    class Meta:
        model = Session
        # The editable fields of the page's sections, in their order: written once, in SESSION_FIELDSETS.
        fields = [name for name in flatten_fieldsets(SESSION_FIELDSETS) if name not in SESSION_READONLY_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "certificate_min_percent" in self.fields:
            self.fields["certificate_min_percent"].required = False  # blank: no minimum
        # An offset set before these choices existed stays visible, and ticked.
        current = self.instance.reminder_offsets_minutes if self.instance.pk else []
        known = {minutes for minutes, _label in REMINDER_CHOICES}
        extra = [
            (minutes, ngettext("%(count)d minute before", "%(count)d minutes before", minutes) % {"count": minutes})
            for minutes in current or []
            if isinstance(minutes, int) and minutes not in known
        ]
        if extra:
            choices = sorted([*REMINDER_CHOICES, *extra], key=lambda choice: -choice[0])
            self.fields["reminder_offsets_minutes"].choices = choices

    def clean_reminder_offsets_minutes(self):
        return sorted(set(self.cleaned_data.get("reminder_offsets_minutes") or []), reverse=True)

    def clean_certificate_min_percent(self):
        return self.cleaned_data.get("certificate_min_percent") or 0

    def clean(self):
        cleaned = super().clean()
        group, number = cleaned.get("group"), cleaned.get("number")
        if group is not None and number is not None:
            taken = Session.objects.filter(group=group, number=number).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error(
                    "number",
                    _("This working group already has a session number %(number)s.") % {"number": number},
                )
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        return cleaned
