from loopml.core import (
    ConfigurationError,
    IntegrityError,
    InvalidValueError,
    LoopmlError,
    NotFoundError,
    UnsafePathError,
)


def test_every_error_derives_from_the_root() -> None:
    for error in (InvalidValueError, IntegrityError, UnsafePathError, NotFoundError):
        assert issubclass(error, LoopmlError)


def test_invalid_value_is_also_a_value_error_so_callers_can_catch_either() -> None:
    assert issubclass(InvalidValueError, ValueError)
    assert issubclass(InvalidValueError, ConfigurationError)


def test_not_found_names_what_was_asked_and_what_exists() -> None:
    error = NotFoundError("model", "churnn", available=["churn", "fraud"])
    assert "'churnn'" in str(error)
    assert "churn, fraud" in str(error)
    assert error.available == ["churn", "fraud"]


def test_not_found_with_nothing_available_says_none() -> None:
    assert "(none)" in str(NotFoundError("model", "x", available=[]))


def test_not_found_truncates_a_long_list() -> None:
    message = str(NotFoundError("run", "x", available=[str(i) for i in range(50)]))
    assert "(50 in all)" in message
