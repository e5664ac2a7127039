"""parse_model_uri: the three URI forms, and everything else refused with the forms shown."""

from __future__ import annotations

import pytest

from loopml.core import InvalidValueError
from loopml.registry import ModelUri, parse_model_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("models:/churn/3", ModelUri("churn", version=3)),
        ("models:/churn@champion", ModelUri("churn", alias="champion")),
        ("models:/churn/latest", ModelUri("churn")),
        ("models:/churn.eu_v2-b/12", ModelUri("churn.eu_v2-b", version=12)),
    ],
)
def test_the_three_forms_parse_and_print_back(uri: str, expected: ModelUri) -> None:
    parsed = parse_model_uri(uri)
    assert parsed == expected
    assert str(parsed) == uri
    assert parsed.is_latest == uri.endswith("/latest")


@pytest.mark.parametrize(
    "uri",
    [
        "churn",
        "models:/churn",
        "models://churn/3",
        "models:/churn/",
        "models:/churn/0",
        "models:/churn/03",
        "models:/churn/-1",
        "models:/churn/3.0",
        "models:/churn/99999999999",
        "models:/churn/3/4",
        "models:/churn@",
        "models:/churn@latest",
        "models:/churn@1abc",
        "models:/churn@a@b",
        "models:/churn/3@champion",
        "models:/../etc/1",
        "models:/ch urn/1",
        "models:/churn/³",
        "runs:/abc/model",
        "",
    ],
)
def test_anything_else_is_refused_with_the_forms(uri: str) -> None:
    with pytest.raises(InvalidValueError, match=r"models:/<name>/<version>"):
        parse_model_uri(uri)


def test_a_uri_must_be_text() -> None:
    with pytest.raises(InvalidValueError, match="must be a string"):
        parse_model_uri(3)  # type: ignore[arg-type]


def test_a_model_uri_cannot_name_both_a_version_and_an_alias() -> None:
    with pytest.raises(InvalidValueError, match="not both"):
        ModelUri("churn", version=1, alias="champion")
