"""Staff admin of data protection: the privacy notice's versions, the audit log and the staff's second factor.

The registration admin's export and erasure actions (``registrations/admin/registrations.py``) call this part's
``personal_data`` and ``audit``.
"""

from allauth.mfa.models import Authenticator
from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry as AuditLogEntry
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from registrations import consent
from registrations.models import PrivacyNotice, StaffAuthenticator
from registrations.privacy import notice as notice_versions

# --- the privacy notice: versions staff write and publish ---


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(TranslationAdmin):
    """Drafts are edited; publishing gives the next version number and freezes the text."""

    list_display = ["__str__", "version", "published_at", "published_by", "created_at"]
    actions = ["publish_selected"]
    change_list_template = "admin/registrations/privacynotice/change_list.html"
    readonly_fields = ["version", "published_at", "published_by", "retention_periods"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            # A published version is what people consented to: it is never edited, only followed.
            return [*self.readonly_fields, *[field.name for field in obj._meta.fields if field.editable]]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_changeform_initial_data(self, request):
        """A new draft starts from the current version's text in every language."""
        current = consent.current_notice()
        if current is None:
            return super().get_changeform_initial_data(request)
        draft = notice_versions.new_draft_from(current)
        names = [
            "controller",
            "contact_email",
            *[f"{name}_{code}" for name in ("controller", "body") for code in ("en", "es", "pt")],
        ]
        return {name: getattr(draft, name) for name in names}

    @admin.display(description=_("retention periods (from the settings)"))
    def retention_periods(self, obj=None):
        periods = consent.retention_periods()
        return _(
            "Pending registrations: %(pending)s days · e-mail bodies: %(bodies)s days · personal data after "
            "the session: %(personal)s days · audit log: %(audit)s days"
        ) % {
            "pending": periods.pending_registration_days,
            "bodies": periods.delivery_body_days,
            "personal": periods.personal_data_days,
            "audit": periods.audit_days,
        }

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "retention": consent.retention_periods()}
        return super().changelist_view(request, extra_context=extra_context)

    @admin.action(description=_("Publish the selected draft as the new version"), permissions=["change"])
    def publish_selected(self, request, queryset):
        drafts = list(queryset.filter(published_at__isnull=True).order_by("pk"))
        if len(drafts) != 1:
            self.message_user(request, _("Select exactly one draft to publish."), messages.ERROR)
            return
        notice = notice_versions.publish_notice(notice=drafts[0], user=request.user)
        self.message_user(
            request, _("Published as version %(version)s.") % {"version": notice.version}, messages.SUCCESS
        )


# --- the audit log: filter by person as well as by object ---

admin.site.unregister(AuditLogEntry)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    """auditlog's own page, plus a filter by staff member and a search by object id."""

    list_filter = ["action", ResourceTypeFilter, ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = [*LogEntryAdmin.search_fields, "object_pk"]

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return super().cid_url(obj)  # auditlog's own column title is not translatable

    @admin.display(description=_("Changes"))
    def msg_short(self, obj):
        # auditlog writes "2 changes: ..." in English whatever the language.
        if obj.action in (AuditLogEntry.Action.DELETE, AuditLogEntry.Action.ACCESS):
            return ""
        changes = obj.changes_dict
        return ngettext("%(count)d change: %(fields)s", "%(count)d changes: %(fields)s", len(changes)) % {
            "count": len(changes),
            "fields": Truncator(", ".join(changes)).chars(60),
        }

    @admin.display(description=_("User"))
    def user_url(self, obj):
        # auditlog writes "system" untranslated for changes made by no one (a command, a task).
        return super().user_url(obj) if obj.actor_id else _("system")


# --- staff's second factor: allauth's page, in the staff's language ---

admin.site.unregister(Authenticator)


@admin.register(StaffAuthenticator)
class StaffAuthenticatorAdmin(admin.ModelAdmin):
    """Who has which second factor; deleting one lets a staff member who lost their phone set it up again."""

    # Methods, not fields: allauth's fields carry no translatable names.
    list_display = ["person", "kind", "created", "last_used"]
    list_select_related = ["user"]
    fields = readonly_fields = list_display

    @admin.display(description=_("user"), ordering="user__email")
    def person(self, obj):
        return obj.user

    def has_add_permission(self, request):
        return False  # a staff member sets up their own second factor when they sign in

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("type"), ordering="type")
    def kind(self, obj):
        return obj.get_type_display()

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj):
        return _when(obj.created_at)

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, obj):
        return _when(obj.last_used_at)


def _when(moment):
    """ "7 de diciembre de 2026, 02:30 (UTC)": a method's datetime is not formatted by the admin itself."""
    if moment is None:
        return "–"
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"
