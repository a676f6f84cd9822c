"""The language a country's people read, among the portal's three: what a message to a country's
focal point or institution, or a nomination by its focal point, is written in by default."""

PORTUGUESE_COUNTRIES = {"BR", "PT", "AO", "MZ", "CV"}
SPANISH_COUNTRIES = {
    "AR", "BO", "CL", "CO", "CR", "CU", "DO", "EC", "ES", "GT", "HN", "MX", "NI", "PA", "PE", "PY", "SV", "UY", "VE",
}  # fmt: skip


def language_for_country(country):
    """ "BR" → "pt", "UY" → "es", anything else (the Caribbean, most of the EU) → "en"."""
    code = str(country or "").upper()
    if code in PORTUGUESE_COUNTRIES:
        return "pt"
    if code in SPANISH_COUNTRIES:
        return "es"
    return "en"
