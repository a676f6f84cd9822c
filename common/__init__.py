"""Infrastructure that two apps share and neither owns; it imports no app (see pyproject.toml)."""
