from django.contrib import admin

from .models import FocalPoint, Institution

# ── Institutions and focal points (issue 2) ──────────────────────────────────────────────────


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "country", "kind", "verified"]
    list_filter = ["country", "kind", "verified"]
    search_fields = ["name", "acronym", "website"]


@admin.register(FocalPoint)
class FocalPointAdmin(admin.ModelAdmin):
    list_display = ["__str__", "country", "institution", "is_active"]
    list_filter = ["country", "is_active"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "institution__name"]
    autocomplete_fields = ["user", "institution"]
    list_select_related = ["user", "institution"]


# Focal points (issue 4): extends the two admins above, adds contributions and the admin sign-in.
# Mailings (issue 5): compose, check, queue and watch mailings; deliveries and suppressions.
# Registrations (issue 3): filters, seat actions, CSV/XLSX export, summary by country and gender.
# These modules register their admins on import, after (and partly on top of) the two above.
from . import admin_focal_points, admin_mailings, admin_registrations  # noqa: E402, F401, I001
