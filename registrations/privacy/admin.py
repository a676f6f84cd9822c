"""Staff admin of data protection: the privacy notice's versions and the audit log.

The registration admin's export and erasure actions (``registrations/admin/registrations.py``) call this part's
``personal_data`` and ``audit``.
"""

from auditlog.admin import LogEntryAdmin
from auditlog.filters import ResourceTypeFilter
from auditlog.models import LogEntry as AuditLogEntry
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from registrations import consent
from registrations.models import PrivacyNotice
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
