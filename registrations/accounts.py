"""django-allauth adapter: focal points are invited by staff, nobody signs up alone."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False

    def get_login_redirect_url(self, request):
        """Without a ?next=, focal points land on their country's page and staff in the admin."""
        from .focal_points import active_focal_point

        user = request.user
        if active_focal_point(user) is not None:
            return reverse("focal_points:dashboard")
        if user.is_staff:
            return reverse("admin:index")
        return reverse("sessions_app:home")
