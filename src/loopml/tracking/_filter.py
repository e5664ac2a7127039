"""The run filter language of ``search_runs``, parsed into SQL.

Grammar (keywords are case-insensitive)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | comparison
    comparison := field OP literal | field ["not"] "in" "(" literal ("," literal)* ")"
                | field ["not"] ("like" | "ilike") string
    field      := ("metrics" | "params" | "tags") "." name | ["attributes" "."] attribute
    name       := identifier ("." identifier)* | `back-quoted` | "double-quoted"
    OP         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="

Examples: ``metrics.f1 > 0.9 and params.model = 'lgbm'``,
``tags.stage in ('dev', 'prod') or metrics.`val loss` <= 0.2``, ``status = 'FINISHED'``.

A metric compares its latest value; params and tags compare as text (a run without the key
never matches, as in MLflow). Every error says where in the filter it happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from loopml.core import InvalidValueError
from loopml.store.models import LatestMetricRow, ParamRow, RunRow, TagRow

ATTRIBUTES: dict[str, Any] = {
    "run_id": RunRow.id,
    "id": RunRow.id,
    "name": RunRow.name,
    "run_name": RunRow.name,
    "status": RunRow.status,
    "start_time": RunRow.start_time,
    "end_time": RunRow.end_time,
    "parent_run_id": RunRow.parent_run_id,
}

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<string>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.)*")
      | (?P<backquoted>`[^`]+`)
      | (?P<op><=|>=|!=|<>|==|=|<|>)
      | (?P<punct>[(),.])
      | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "like", "ilike"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            raise InvalidValueError(
                f"filter {text!r}: cannot read {text[position : position + 20]!r} at {position}"
            )
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


def _unquote(token: _Token) -> str:
    body = token.text[1:-1]
    if token.text[0] == "'":
        body = body.replace("''", "'")
    return re.sub(r"\\(.)", r"\1", body)


@dataclass(frozen=True)
class Field:
    """A parsed field: its kind (metrics/params/tags/attributes) and name."""

    kind: str
    name: str


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    def fail(self, message: str) -> InvalidValueError:
        where = (
            self.tokens[self.index].position if self.index < len(self.tokens) else len(self.text)
        )
        return InvalidValueError(f"filter {self.text!r}: {message} at position {where}")

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def peek_word(self) -> str | None:
        token = self.peek()
        return token.text.lower() if token is not None and token.kind == "word" else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise self.fail("the filter ends too early")
        self.index += 1
        return token

    def expect(self, text: str) -> None:
        if self.peek() is None:
            raise self.fail(f"expected {text!r} but the filter ends")
        token = self.take()
        if token.text.lower() != text:
            self.index -= 1
            raise self.fail(f"expected {text!r}, found {token.text!r}")

    def parse(self) -> Any:
        expression = self.parse_or()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return expression

    def parse_or(self) -> Any:
        parts = [self.parse_and()]
        while self.peek_word() == "or":
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else sa.or_(*parts)

    def parse_and(self) -> Any:
        parts = [self.parse_unary()]
        while self.peek_word() == "and":
            self.take()
            parts.append(self.parse_unary())
        return parts[0] if len(parts) == 1 else sa.and_(*parts)

    def parse_unary(self) -> Any:
        if self.peek_word() == "not":
            self.take()
            return sa.not_(self.parse_unary())
        token = self.peek()
        if token is not None and token.text == "(":
            self.take()
            inner = self.parse_or()
            self.expect(")")
            return inner
        return self.parse_comparison()

    def parse_field(self) -> Field:
        token = self.take()
        if token.kind != "word" or token.text.lower() in _KEYWORDS:
            self.index -= 1
            raise self.fail(f"expected a field such as metrics.f1, found {token.text!r}")
        head = token.text.lower()
        nxt = self.peek()
        if (
            head
            in (
                "metrics",
                "params",
                "tags",
                "attributes",
                "metric",
                "param",
                "tag",
                "attribute",
                "attr",
            )
            and nxt is not None
            and nxt.text == "."
        ):
            self.take()
            kind = {
                "metric": "metrics",
                "param": "params",
                "tag": "tags",
                "attribute": "attributes",
                "attr": "attributes",
            }.get(head, head)
            name = self.parse_name()
        else:
            kind, name = "attributes", token.text
        if kind == "attributes" and name.lower() not in ATTRIBUTES:
            raise self.fail(
                f"unknown attribute {name!r} (known: {', '.join(sorted(ATTRIBUTES))}; "
                "use metrics.NAME, params.NAME or tags.NAME for the rest)"
            )
        return Field(kind, name.lower() if kind == "attributes" else name)

    def parse_name(self) -> str:
        token = self.take()
        if token.kind == "backquoted" or (token.kind == "string" and token.text[0] == '"'):
            return token.text[1:-1]
        if token.kind != "word":
            self.index -= 1
            raise self.fail(f"expected a name after the dot, found {token.text!r}")
        parts = [token.text]
        while (nxt := self.peek()) is not None and nxt.text == ".":
            self.take()
            part = self.take()
            if part.kind not in ("word", "number"):
                self.index -= 1
                raise self.fail(f"expected a name part, found {part.text!r}")
            parts.append(part.text)
        return ".".join(parts)

    def parse_literal(self) -> str | float:
        token = self.take()
        if token.kind == "number":
            return float(token.text)
        if token.kind == "string":
            return _unquote(token)
        self.index -= 1
        raise self.fail(f"expected a number or a quoted string, found {token.text!r}")

    def parse_comparison(self) -> Any:
        field = self.parse_field()
        negate = False
        if self.peek_word() == "not":
            self.take()
            negate = True
        word = self.peek_word()
        if word == "in":
            self.take()
            self.expect("(")
            values = [self.parse_literal()]
            while (nxt := self.peek()) is not None and nxt.text == ",":
                self.take()
                values.append(self.parse_literal())
            self.expect(")")
            condition = self.compile(field, "in", values)
        elif word in ("like", "ilike"):
            self.take()
            pattern = self.parse_literal()
            if not isinstance(pattern, str):
                raise self.fail(f"{word} needs a quoted pattern")
            condition = self.compile(field, word, pattern)
        else:
            if negate:
                raise self.fail("'not' goes before 'in', 'like' or a whole condition")
            token = self.take()
            if token.kind != "op":
                self.index -= 1
                raise self.fail(f"expected a comparison such as '>' or '=', found {token.text!r}")
            op = {"==": "=", "<>": "!="}.get(token.text, token.text)
            condition = self.compile(field, op, self.parse_literal())
        return sa.not_(condition) if negate else condition

    def compile(self, field: Field, op: str, value: Any) -> Any:
        table: Any
        if field.kind == "metrics":
            column, table, key_column = LatestMetricRow.value, LatestMetricRow, LatestMetricRow.key
            if (
                op in ("like", "ilike")
                or (op == "in" and any(isinstance(v, str) for v in value))
                or (op not in ("in", "like", "ilike") and isinstance(value, str))
            ):
                raise self.fail(f"metrics.{field.name} compares with numbers only")
        elif field.kind in ("params", "tags"):
            table = ParamRow if field.kind == "params" else TagRow
            column, key_column = table.value, table.key
            if op in ("<", "<=", ">", ">="):
                raise self.fail(
                    f"{field.kind}.{field.name} is text: use =, !=, in or like "
                    "(log numbers you want to compare as metrics)"
                )
            value = [_as_text(v) for v in value] if op == "in" else _as_text(value)
        else:
            column = ATTRIBUTES[field.name]
            if field.name in ("start_time", "end_time"):
                if isinstance(value, str) or (
                    op == "in" and any(isinstance(v, str) for v in value)
                ):
                    raise self.fail(f"{field.name} compares with milliseconds since the epoch")
            else:
                value = [_as_text(v) for v in value] if op == "in" else _as_text(value)
            return _apply(column, op, value)
        return sa.exists(
            sa.select(1).where(
                table.run_id == RunRow.id, key_column == field.name, _apply(column, op, value)
            )
        )


def _as_text(value: str | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _apply(column: Any, op: str, value: Any) -> Any:
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "in":
        return column.in_(value)
    if op == "like":
        return column.like(value)
    return column.ilike(value)


def parse_filter(text: str) -> Any:
    """Compile filter ``text`` into a SQLAlchemy condition on the runs table.

    Raises:
        InvalidValueError: the filter does not parse; the message says where.
    """
    if not isinstance(text, str):
        raise InvalidValueError(f"a filter must be a string, not {type(text).__name__}")
    if not text.strip():
        return sa.true()
    return _Parser(text).parse()


def parse_order_by(item: str) -> tuple[Field, bool]:
    """Parse one ``order_by`` entry such as ``metrics.f1 DESC``; returns (field, descending)."""
    if not isinstance(item, str):
        raise InvalidValueError(f"order_by entries must be strings, not {type(item).__name__}")
    parser = _Parser(item)
    field = parser.parse_field()
    descending = False
    word = parser.peek_word()
    if word in ("asc", "desc"):
        parser.take()
        descending = word == "desc"
    if parser.peek() is not None:
        raise parser.fail(f"expected ASC or DESC, found {parser.peek().text!r}")  # type: ignore[union-attr]
    return field, descending
