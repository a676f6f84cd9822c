"""The one public page of mailings: unsubscribe from bulk mail through the signed link, no login."""

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from registrations.campaigns.unsubscribe import read_unsubscribe_token, unsubscribe


# The signed token is the credential, and RFC 8058 one-click POSTs come from mail clients
# that hold no CSRF cookie, so CSRF protection cannot apply here.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token):
    """GET shows a confirm button; POST (the button or a mail client's one-click) unsubscribes."""
    found = read_unsubscribe_token(token)
    if found is None:
        return render(request, "registrations/unsubscribe_invalid.html", status=404)
    # The link carries the recipient's language prefix, so LocaleMiddleware already speaks it.
    email, _language = found
    if request.method == "POST":
        unsubscribe(email=email)
        return render(request, "registrations/unsubscribe_done.html", {"email": email})
    return render(request, "registrations/unsubscribe_confirm.html", {"email": email})
