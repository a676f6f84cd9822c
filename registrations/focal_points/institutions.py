"""The national institution register that focal points keep: duplicates found by name, merges."""

import re
import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from registrations.focal_points.errors import FocalPointError
from registrations.models import (
    FocalPoint,
    Institution,
    Registration,
)


class DuplicateInstitution(FocalPointError):
    def __init__(self, existing):
        self.existing = existing
        super().__init__(
            _("“%(name)s” is already in your country's register. Use it instead of adding it again.")
            % {"name": existing}
        )


def normalize_key(text):
    """Lower case, no accents, punctuation and spaces collapsed: "Ministério  da Saúde" and
    "ministerio da saude" give the same key."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", stripped.casefold()).split())


def _compact(text):
    """Acronyms compare without spaces and dots: "M.S." is "MS"."""
    return normalize_key(text).replace(" ", "")


# Generic words of institution names, keyed by every spelling and abbreviation people type (accents
# and dots are gone by then): "Min.", "Ministério" and "Ministry" all read "ministerio".
GENERIC_WORDS = {
    **dict.fromkeys(("min", "mins", "minist", "ministerio", "ministry"), "ministerio"),
    **dict.fromkeys(("sec", "secr", "secret", "secretaria", "secretariat"), "secretaria"),
    **dict.fromkeys(("subsec", "subsecretaria"), "subsecretaria"),
    **dict.fromkeys(("dir", "direccion", "direcao", "direccao", "directorate"), "direccion"),
    **dict.fromkeys(("inst", "instituto", "institute"), "instituto"),
    **dict.fromkeys(("nac", "nal", "nacional", "national"), "nacional"),
    **dict.fromkeys(("fed", "federal"), "federal"),
    **dict.fromkeys(("gral", "grl", "general", "geral"), "general"),
}


# Articles, prepositions and "and" in es, pt and en: "Justicia y del Derecho" is "Justicia Derecho".
LINKING_WORDS = frozenset(
    {"a", "al", "and", "da", "das", "de", "del", "do", "dos", "e", "el", "en", "em", "la", "las", "lo", "los"}
    | {"of", "the", "y", "para", "por", "pela", "pelo"}
)


# The words of institution names that differ between Spanish, Portuguese and English, read as
# the Spanish word, so "Ministério da Justiça", "Ministerio de Justicia" and "Ministry of Justice"
# give one key (accents are gone by then).
CROSS_LANGUAGE_WORDS = {
    **dict.fromkeys(("justica", "justice"), "justicia"),
    **dict.fromkeys(("saude", "health"), "salud"),
    **dict.fromkeys(("seguranca", "security"), "seguridad"),
    **dict.fromkeys(("desenvolvimento", "development"), "desarrollo"),
    **dict.fromkeys(("trabalho", "labour", "labor"), "trabajo"),
    **dict.fromkeys(("educacao", "education"), "educacion"),
    **dict.fromkeys(("publico", "publica", "public", "publicos", "publicas"), "publica"),
    **dict.fromkeys(("defensoria", "defence", "defense", "defender", "defensor"), "defensoria"),
    **dict.fromkeys(("direitos", "rights"), "derechos"),
    **dict.fromkeys(("humanos", "human"), "humanos"),
    **dict.fromkeys(("mulher", "mulheres", "mujer", "women", "woman"), "mujeres"),
    **dict.fromkeys(("juventude", "youth"), "juventud"),
    **dict.fromkeys(("infancia", "childhood", "children", "crianca", "criancas", "ninez"), "infancia"),
    **dict.fromkeys(("familia", "family", "familias", "families"), "familia"),
    **dict.fromkeys(("drogas", "drugs", "drug", "droga"), "drogas"),
    **dict.fromkeys(("politicas", "politica", "policy", "policies"), "politicas"),
    **dict.fromkeys(("governo", "government"), "gobierno"),
    **dict.fromkeys(("cidadania", "citizenship"), "ciudadania"),
    **dict.fromkeys(("fazenda", "finance", "financas", "finanzas"), "hacienda"),
    **dict.fromkeys(("igualdade", "equality"), "igualdad"),
    **dict.fromkeys(("genero", "gender"), "genero"),
    **dict.fromkeys(("assistencia", "assistance"), "asistencia"),
    **dict.fromkeys(("prevencao", "prevention"), "prevencion"),
    **dict.fromkeys(("penitenciario", "penitenciaria", "prison", "prisons", "prisional"), "penitenciario"),
    **dict.fromkeys(("procuradoria", "fiscalia", "prosecution", "prosecutor", "prosecutors"), "fiscalia"),
    **dict.fromkeys(("tribunal", "court"), "tribunal"),
    **dict.fromkeys(("supremo", "supreme"), "supremo"),
}


def institution_name_key(name):
    """What two names of one institution have in common: abbreviations of the generic words
    expanded, linking words dropped, the words that differ between the portal's languages read
    as one (``CROSS_LANGUAGE_WORDS``), and the generic words in any order, so "Min. de Justicia y
    del Derecho", "Ministerio de Justicia y del Derecho" and "Justicia y Derecho, Ministerio de"
    give one key, as do "Ministério da Justiça" and "Ministerio de Justicia". The specific words
    keep their order."""
    generic, specific = [], []
    for word in normalize_key(name).split():
        if word in LINKING_WORDS:
            continue
        if word in GENERIC_WORDS:
            generic.append(GENERIC_WORDS[word])
        else:
            specific.append(CROSS_LANGUAGE_WORDS.get(word, word))
    if not specific:
        # A name made only of generic words ("Instituto Nacional") keeps its own order.
        return " ".join(generic)
    return " ".join(sorted(generic)) + " | " + " ".join(specific)


def find_duplicate_institution(*, country, name, acronym="", exclude_pk=None, institutions=None):
    """The institution of ``country`` with the same name or acronym, or None.

    Names compare by ``institution_name_key`` (case, accents, punctuation, abbreviations such as
    "Min." or "Inst.", linking words and the order of the generic words do not matter). A name
    typed as an existing acronym ("MIDES") matches too. ``institutions`` may hold the country's
    institutions already loaded."""
    name_key, typed = institution_name_key(name), {_compact(name), _compact(acronym)} - {""}
    if institutions is None:
        institutions = Institution.objects.filter(country=country)
    for institution in institutions:
        if institution.pk == exclude_pk:
            continue
        if name_key and name_key == institution_name_key(institution.name):
            return institution
        if institution.acronym and _compact(institution.acronym) in typed:
            return institution
        if acronym and _compact(acronym) == _compact(institution.name):
            return institution
    return None


INSTITUTION_FIELDS = ("name", "acronym", "kind", "sector", "website", "contact_email")


@transaction.atomic
def create_institution(*, country, data):
    """Add an institution to the country's register. Raises DuplicateInstitution."""
    existing = find_duplicate_institution(country=country, name=data["name"], acronym=data.get("acronym", ""))
    if existing:
        raise DuplicateInstitution(existing)
    return Institution.objects.create(country=country, **{key: data.get(key, "") for key in INSTITUTION_FIELDS})


@transaction.atomic
def update_institution(*, institution, data):
    """Change an institution. A new name or acronym clears staff verification, so staff check it
    again (``institution.verified`` tells the caller). Raises DuplicateInstitution."""
    existing = find_duplicate_institution(
        country=institution.country,
        name=data["name"],
        acronym=data.get("acronym", ""),
        exclude_pk=institution.pk,
    )
    if existing:
        raise DuplicateInstitution(existing)
    # A model form has already copied the new values onto ``institution``: compare with the row.
    stored = Institution.objects.select_for_update().get(pk=institution.pk)
    if (stored.name, stored.acronym) != (data["name"], data.get("acronym", "")):
        institution.verified = False
    for key in INSTITUTION_FIELDS:
        setattr(institution, key, data.get(key, ""))
    institution.save()
    return institution


@transaction.atomic
def merge_institutions(*, target, duplicates):
    """Point every registration and focal point of ``duplicates`` at ``target``, copy what the
    target lacks, and delete the duplicates. Raises FocalPointError across countries."""
    duplicates = [institution for institution in duplicates if institution.pk != target.pk]
    if any(institution.country != target.country for institution in duplicates):
        raise FocalPointError(_("Only institutions of the same country can be merged."))
    pks = [institution.pk for institution in duplicates]
    Registration.objects.filter(institution_id__in=pks).update(institution=target)
    FocalPoint.objects.filter(institution_id__in=pks).update(institution=target)
    for institution in duplicates:
        for key in ("acronym", "sector", "website", "contact_email"):
            if not getattr(target, key) and getattr(institution, key):
                setattr(target, key, getattr(institution, key))
        target.verified = target.verified or institution.verified
    target.save()
    Institution.objects.filter(pk__in=pks).delete()
    return target
