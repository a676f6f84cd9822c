"""Writing a focal point's form into a practice: text into its own language, documents by the file rules."""

from django.db import transaction

from common import uploads
from sessions_app.outcomes.practices.models import Practice, PracticeDocument
from sessions_app.outcomes.practices.text import TEXT_FIELDS, rich_text


@transaction.atomic
def save_practice(*, form, country, language, user):
    """Create or update the practice behind ``form`` (valid) for ``country``, written in ``language``."""
    practice = form.save(commit=False)
    if practice.pk is None:
        practice.country = country
        practice.original_language = language
        practice.created_by = user
        practice.status = Practice.Status.DRAFT
    written_in = practice.original_language
    for name in TEXT_FIELDS:
        value = form.cleaned_data.get(name, "") or ""
        if name in ("description", "results"):
            value = rich_text(value)
        setattr(practice, f"{name}_{written_in}", value)
    practice.save()
    form.save_m2m()
    uploaded = form.cleaned_data.get("document")
    if uploaded:
        add_document(
            practice=practice, uploaded=uploaded, title=form.cleaned_data["document_title"], language=written_in
        )
    return practice


def add_document(*, practice, uploaded, title, language):
    kind = getattr(uploaded, "kind", None) or uploads.validate_upload(uploaded)
    document = PracticeDocument(
        practice=practice, title=title, language=language, file_kind=kind.code, size=uploaded.size
    )
    document.file.save(uploads.clean_filename(uploaded.name, kind=kind), uploaded, save=False)
    document.save()
    return document
