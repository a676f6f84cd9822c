"""Staff admin of the outbox: every message as sent (read-only), and the suppression list."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from registrations.models import Delivery, Suppression


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("to_email", "kind", "language", "status", "attempts", "sent_at", "mailing")
    list_filter = ("status", "kind", "language")
    # A request ID from a log line finds the messages that request queued.
    search_fields = ("to_email", "key", "message_id", "request_id")
    list_select_related = ("mailing", "mailing__session", "mailing__session__group")
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


class SuppressionForm(forms.ModelForm):
    class Meta:
        model = Suppression
        fields = ["email", "reason", "detail"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if Suppression.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("This address is already on the suppression list."))
        return email


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    form = SuppressionForm
    list_display = ("email", "reason", "detail", "created_at")
    list_filter = ("reason",)
    search_fields = ("email",)
