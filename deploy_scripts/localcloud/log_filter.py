"""The part of Cloud Logging's query language that gcloud and the client libraries send.

Comparisons `FIELD OP VALUE` with OP one of `= != > >= < <= : =~ !~`, a value list
`FIELD=("a" OR "b")`, AND (also implied by juxtaposition), OR, NOT / `-`, parentheses, and bare
strings (matched anywhere in the entry). Fields are dotted paths into the LogEntry
(`resource.labels.service_name`, `jsonPayload.message`, `labels."execution_id"`); `severity`
compares by rank, `timestamp` and `receiveTimestamp` as times, numbers as numbers. A field an
entry does not have matches no comparison (so `NOT` of it matches), as in Cloud Logging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .logs import SEVERITIES, normalize_severity, parse_timestamp, timestamp_nanos

Predicate = Callable[[dict], bool]
OPERATORS = (">=", "<=", "!=", "=~", "!~", "=", ">", "<", ":")
_TIME_FIELDS = {"timestamp", "receiveTimestamp"}


class FilterError(ValueError):
    """The filter is not in the supported language; the message points at where."""


@dataclass
class _Value:
    text: str
    quoted: bool


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    # ------------------------------------------------------------------ lexing helpers
    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _peek_word(self, word: str) -> bool:
        self._skip()
        end = self.pos + len(word)
        if self.text[self.pos : end] != word:
            return False
        return end == len(self.text) or self.text[end].isspace() or self.text[end] in "()"

    def _at(self, char: str) -> bool:
        self._skip()
        return self.text.startswith(char, self.pos)

    def _fail(self, message: str) -> FilterError:
        return FilterError(f"{message} at position {self.pos} of filter {self.text!r}")

    def _string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                out.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if char == quote:
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise self._fail("unterminated string")

    def _bare(self, stop: str) -> str:
        start = self.pos
        while (
            self.pos < len(self.text)
            and not self.text[self.pos].isspace()
            and self.text[self.pos] not in stop
        ):
            self.pos += 1
        return self.text[start : self.pos]

    # ------------------------------------------------------------------ grammar
    def parse(self) -> Predicate:
        self._skip()
        if self.pos == len(self.text):
            return lambda entry: True
        predicate = self._or()
        self._skip()
        if self.pos != len(self.text):
            raise self._fail("unexpected text")
        return predicate

    def _or(self) -> Predicate:
        parts = [self._and()]
        while self._peek_word("OR"):
            self.pos += 2
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else (lambda entry: any(p(entry) for p in parts))

    def _and(self) -> Predicate:
        parts = [self._unary()]
        while True:
            self._skip()
            if self.pos == len(self.text) or self._at(")") or self._peek_word("OR"):
                break
            if self._peek_word("AND"):
                self.pos += 3
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda entry: all(p(entry) for p in parts))

    def _unary(self) -> Predicate:
        if self._peek_word("NOT"):
            self.pos += 3
            inner = self._unary()
            return lambda entry: not inner(entry)
        if self._at("-"):
            self.pos += 1
            inner = self._unary()
            return lambda entry: not inner(entry)
        if self._at("("):
            self.pos += 1
            inner = self._or()
            if not self._at(")"):
                raise self._fail("missing ')'")
            self.pos += 1
            return inner
        return self._comparison()

    def _field(self) -> list[str]:
        path: list[str] = []
        self._skip()
        while True:
            if self.pos < len(self.text) and self.text[self.pos] in "\"'":
                path.append(self._string())
            else:
                start = self.pos
                while self.pos < len(self.text) and (
                    self.text[self.pos].isalnum() or self.text[self.pos] in "_-/@"
                ):
                    self.pos += 1
                if start == self.pos:
                    raise self._fail("expected a field name")
                path.append(self.text[start : self.pos])
            if self.pos < len(self.text) and self.text[self.pos] == ".":
                self.pos += 1
                continue
            return path

    def _comparison(self) -> Predicate:
        self._skip()
        start = self.pos
        if self.text[self.pos : self.pos + 1] in ('"', "'"):
            quoted = self._string()  # a bare string: a global restriction unless an operator follows
            self._skip()
            if not self.text.startswith(OPERATORS, self.pos):
                return _anywhere(quoted)
            self.pos = start
        path = self._field()
        self._skip()
        operator = next((op for op in OPERATORS if self.text.startswith(op, self.pos)), None)
        if operator is None:
            if len(path) == 1:
                return _anywhere(path[0])  # a bare word
            raise self._fail(f"expected a comparison operator after {'.'.join(path)}")
        self.pos += len(operator)
        values = self._values()
        return _comparison(path, operator, values)

    def _values(self) -> tuple[str, list[_Value]]:
        """One value, or `(v1 OR v2 …)` / `(v1 AND v2 …)`: returns the joining word and the values."""
        self._skip()
        if self._at("("):
            self.pos += 1
            values, joiner = [self._value()], "OR"
            while True:
                if self._at(")"):
                    self.pos += 1
                    return joiner, values
                if self._peek_word("OR") or self._peek_word("AND"):
                    joiner = self.text[self.pos : self.pos + 3].strip()
                    self.pos += len(joiner)
                values.append(self._value())
        return "OR", [self._value()]

    def _value(self) -> _Value:
        self._skip()
        if self.pos >= len(self.text):
            raise self._fail("expected a value")
        if self.text[self.pos] in "\"'":
            return _Value(self._string(), True)
        text = self._bare("()")
        if not text:
            raise self._fail("expected a value")
        return _Value(text, False)


def _lookup(entry: dict, path: list[str]) -> Any:
    node: Any = entry
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(field: str, actual: Any, operator: str, wanted: _Value) -> bool:
    if actual is None:
        return False
    if operator == ":":
        return wanted.text.lower() in (actual if isinstance(actual, str) else json.dumps(actual)).lower()
    if operator in ("=~", "!~"):
        try:
            found = (
                re.search(wanted.text, actual if isinstance(actual, str) else json.dumps(actual)) is not None
            )
        except re.error as exc:
            raise FilterError(f"invalid regular expression {wanted.text!r}: {exc}") from None
        return found if operator == "=~" else not found
    left: Any
    right: Any
    if field == "severity":
        left, right = normalize_severity(actual), normalize_severity(wanted.text)
        if right is None:
            raise FilterError(f"unknown severity {wanted.text!r}; use one of {', '.join(SEVERITIES)}")
        left, right = SEVERITIES.index(left or "DEFAULT"), SEVERITIES.index(right)
    elif field in _TIME_FIELDS:
        left, right = timestamp_nanos(actual), timestamp_nanos(wanted.text)
        if right is None:
            raise FilterError(f"invalid timestamp {wanted.text!r}: use RFC 3339, e.g. 2026-01-02T03:04:05Z")
        if left is None:
            return False
    elif _number(actual) is not None and _number(wanted.text) is not None:
        left, right = _number(actual), _number(wanted.text)
    elif isinstance(actual, bool):
        left, right = str(actual).lower(), wanted.text.lower()
    else:
        left, right = (actual if isinstance(actual, str) else json.dumps(actual)), wanted.text
    return {
        "=": left == right,
        "!=": left != right,
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
    }[operator]


def _comparison(path: list[str], operator: str, joined: tuple[str, list[_Value]]) -> Predicate:
    joiner, values = joined
    field = ".".join(path)
    combine = any if joiner == "OR" else all
    for value in values:  # reject a bad severity or timestamp now, not per entry
        if (
            field == "severity"
            and operator not in (":", "=~", "!~")
            and normalize_severity(value.text) is None
        ):
            raise FilterError(f"unknown severity {value.text!r}; use one of {', '.join(SEVERITIES)}")
        if (
            field in _TIME_FIELDS
            and operator not in (":", "=~", "!~")
            and parse_timestamp(value.text) is None
        ):
            raise FilterError(f"invalid timestamp {value.text!r}: use RFC 3339, e.g. 2026-01-02T03:04:05Z")

    def predicate(entry: dict) -> bool:
        actual = _lookup(entry, path)
        return combine(_compare(field, actual, operator, value) for value in values)

    return predicate


def _anywhere(text: str) -> Predicate:
    needle = text.lower()
    return lambda entry: needle in json.dumps(entry).lower()


def compile_filter(text: str | None) -> Predicate:
    """The filter as a predicate over LogEntry dicts; raises FilterError on what it does not support."""
    return _Parser(text or "").parse()
