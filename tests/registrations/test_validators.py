"""The shared text validators, and the one-way imports they allow (models → domain → forms)."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

import registrations
from registrations.validators import validate_multiline, validate_single_line


@pytest.mark.parametrize("value", ["Ana\nBcc: x@example.org", "Ana\r", "Ana\u202eanA", "\x00"])
def test_single_line_refuses_breaks_and_controls(value):
    with pytest.raises(ValidationError) as caught:
        validate_single_line(value)
    assert caught.value.messages == ["Write this on one line, without line breaks or control characters."]


def test_multiline_keeps_line_breaks_but_refuses_other_controls():
    assert validate_multiline("Line one\r\nLine two\tand a tab") is None
    with pytest.raises(ValidationError) as caught:
        validate_multiline("Bell\x07")
    assert caught.value.messages == ["Remove the control characters from this text."]


DOMAIN_MODULES = [
    "seats",
    "validators",
    "focal_points/institutions",
    "focal_points/nominations",
    "focal_points/answers",
    "outbox/queueing",
    "outbox/sending",
    "campaigns/audiences",
    "campaigns/rendering",
    "campaigns/building",
    "campaigns/automatic",
]


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_modules_do_not_import_forms_or_views(module):
    tree = ast.parse((Path(registrations.__file__).parent / f"{module}.py").read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.rsplit(".", 1)[-1])
            imported.update(alias.name for alias in node.names)
    assert imported & {"forms", "views"} == set()
