"""Every label staff read in the admin is in their language: a scan of the admin pages as staff see
them in Spanish and Portuguese, with the demo session loaded, finds no English label.

A label is what the page itself says (headings, field labels, column titles, buttons, links of the
menus, filter titles, help texts, messages), not data typed by people. A label that reads the same in
English and in the staff's language is untranslated, unless it is a word both languages share.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.admin import site
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from sessions_app.models import Session
from tests.factories import ContributionFactory, MailingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

# Words or names that are the same in English, Spanish and Portuguese, or are not words at all.
SHARED = {
    "agenda", "total", "id", "uid", "url", "csv", "xlsx", "ics", "pdf", "copolad iii", "copolad", "ok", "e-mail",
    "sha-256", "iana", "ue", "eu", "zoom", "webinar", "hotmail", "gmail", "es", "en", "pt", "email", "mfa", "totp",
    "es-es", "pt-br", "–", "-", "—", "/", "·", "×", "+", "?", "django", "html", "no", "sí", "sim", "md5", "hash",
    "webauthn", "academia", "sector", "virtual", "manage.py apply_retention", "judicial",
}  # fmt: skip
# Words spelt the same in English and in one of the staff's languages.
SHARED_IN = {"es": set(), "pt": {"sites", "site", "1 site", "hash", "links"}}
LABEL_TAGS = {"h1", "h2", "h3", "h4", "label", "th", "caption", "legend", "button", "summary", "dt"}
LABEL_CLASSES = {"help", "helptext", "help-text", "errornote", "errorlist", "messagelist", "object-tools",
                 "breadcrumbs", "paginator", "actions", "submit-row", "app-", "module", "section"}  # fmt: skip


# Data, not labels: cells of a list, typed text, the options of a list of names, a rendered message.
SKIPPED = ("script", "style", "textarea", "select", "option", "td", "pre", "code", "iframe")


class Labels(HTMLParser):
    """Text inside label elements, plus submit buttons' values and title/placeholder attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.found, self.skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in SKIPPED:
            self.skip += 1
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.found.append(attrs["value"])
        for name in ("title", "placeholder", "aria-label"):
            if attrs.get(name) and tag not in ("option",):
                self.found.append(attrs[name])
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col"):
            self.stack.append((tag, f"{attrs.get('class') or ''} #{attrs.get('id') or ''}"))

    def handle_endtag(self, tag):
        if tag in SKIPPED and self.skip:
            self.skip -= 1
        while self.stack:
            opened, _classes = self.stack.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if not text or self.skip or "@" in text:
            return
        if self.stack and self.stack[-1][0] == "strong" and any("#user-tools" in c for _t, c in self.stack):
            return  # the staff member's own name
        if any("#preview-subject" in c for _t, c in self.stack):
            return  # a rendered message's subject, in its recipient's language (the demo's attendees): data
        inside_label = any(
            tag in LABEL_TAGS or any(marker in classes for marker in LABEL_CLASSES) or tag in ("a", "p", "li", "div")
            for tag, classes in self.stack
        )
        if inside_label:
            self.found.append(text)


def labels(html):
    parser = Labels()
    parser.feed(html)
    return parser.found


def admin_urls(session):
    """Every admin page staff open: the index, each model's list, add and change page, and ours."""
    urls = ["/admin/"]
    for model in site._registry:
        opts = model._meta
        for name, args in (("changelist", []), ("add", [])):
            try:
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=args))
            except NoReverseMatch:
                continue
        if opts.app_label not in {url.split("/")[2] for url in urls if url.count("/") > 3}:
            urls.append(f"/admin/{opts.app_label}/")
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    mailing = MailingFactory(session=session)
    ContributionFactory(session=session)
    urls += [
        reverse("admin:sessions_app_session_figures"),
        reverse("admin:sessions_app_session_publish", args=[session.pk]),
        reverse("admin:sessions_app_session_promote", args=[session.pk]),
        reverse("admin:sessions_app_attendance", kwargs={"session_pk": session.pk}),
        reverse("admin:registrations_focalpoint_invite"),
        reverse("admin:registrations_registration_summary") + f"?session={session.pk}",
        reverse("admin:registrations_contribution_side_by_side") + f"?session={session.pk}",
        reverse("admin:registrations_mailing_change", args=[mailing.pk]),
        reverse("admin:registrations_mailing_preview", args=[mailing.pk]),
        reverse("admin:registrations_mailing_check", args=[mailing.pk]),
    ]
    return sorted(set(urls))


def shared_country_names(language):
    """Country names spelt the same in English and in ``language`` (Uruguay, Cuba...)."""
    from django.utils import translation
    from django_countries import countries

    with translation.override("en"):
        english = {code: str(name) for code, name in countries}
    with translation.override(language):
        return {str(name).lower() for code, name in countries if str(name) == english.get(code)}


COUNT = re.compile(r": \d+$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _words(text):
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text.lower())


def data_texts():
    """Every text people typed or loaded (all string columns): data, not labels."""
    from django.apps import apps
    from django.db import models

    texts = set()
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if names:
            for row in model._default_manager.values_list(*names):
                for value in row:
                    if value:
                        texts.update(" ".join(line.split()) for line in str(value).splitlines() if line.strip())
                        texts.add(" ".join(str(value).split()))
    return texts


def untranslated(page, english, language, data=frozenset(), shared_countries=frozenset()):
    """The labels of ``page`` (as staff read it in ``language``) left as they read in ``english``."""
    found = []
    for text in labels(page):
        if text not in english or text.lower().strip(" :.›") in SHARED | SHARED_IN[language]:
            continue
        text = COUNT.sub("", text)  # "Uruguay: 1", a name and its count in a chart: the name is data
        if text in data or text.strip("› ") in data or UUID.match(text) or "****" in text:
            continue
        if text.lower() in shared_countries:
            continue
        words = _words(text)
        if not words or all(word in SHARED for word in words):
            continue
        found.append(text)
    return found


@pytest.fixture
def demo(db):
    call_command("load_demo")
    return Session.objects.get(slug="session-2-inclusive-mechanisms")


@pytest.mark.catalogue
def test_the_admin_pages_show_no_english_label_to_spanish_and_portuguese_staff(client, staff, demo):
    client.force_login(staff)
    data = data_texts()
    shared_countries = {language: shared_country_names(language) for language in ("es", "pt")}
    report = {"es": {}, "pt": {}}
    for url in admin_urls(demo):
        english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        if english.status_code == 403:
            continue  # a page nobody may open (documents are never added by hand)
        assert english.status_code == 200, url
        english_labels = set(labels(english.content.decode()))
        for language, found in report.items():
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200, url
            page = response.content.decode()
            for label in untranslated(page, english_labels, language, data, shared_countries[language]):
                found.setdefault(label, url)  # each English label once, with the first page that shows it
    assert report == {"es": {}, "pt": {}}


def test_the_scan_finds_an_english_label_left_in_a_spanish_page():
    english = '<label for="x">Session:</label><td>Uruguay</td><input type="submit" value="Save">'
    spanish = '<label for="x">Session:</label><td>Uruguay</td><input type="submit" value="Guardar">'

    assert [text for text in labels(spanish) if text in set(labels(english))] == ["Session:"]


@pytest.mark.parametrize(
    ("language", "message"),
    [("es", "Eliminado: inscripción «Lucía Pérez"), ("pt", "Excluído: inscrição “Lucía Pérez")],
)
def test_django_messages_name_the_model_without_a_wrong_article(client, staff, session, language, message):
    registration = RegistrationFactory(session=session, full_name="Lucía Pérez", email="lucia@example.org")
    client.force_login(staff)
    url = reverse("admin:registrations_registration_delete", args=[registration.pk])

    response = client.post(url, {"post": "yes"}, HTTP_ACCEPT_LANGUAGE=language, follow=True)

    texts = [str(m) for m in response.context["messages"]]
    assert texts == [f"{message} <lucia@example.org>{'».' if language == 'es' else '”.'}"]
