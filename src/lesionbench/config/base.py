"""Typed settings: the base class every settings section derives from, and its error messages.

Every section of the configuration is a frozen pydantic model (:class:`Settings`): unknown keys
are refused, values are checked and converted once, and the JSON schema of the whole
configuration (``workflow/schemas/config.schema.yaml``) is generated from the same classes
(:mod:`lesionbench.config.schema`), so the schema and the code cannot disagree. Written on
pydantic v2 rather than by hand because it validates nested mappings, reports every error with
its location and emits JSON schema.

A validation error becomes one :class:`SettingsError` whose message names the full key path and
the problem, with the valid values where there is a list of them::

    experiments.unet.train.optimizer.lr: must be > 0 (got -1)
    datasets.phantom.compare.metrics[2]: unknown metric 'dcie' (valid: dice, iou, ...)
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from typing_extensions import Self

S = TypeVar("S", bound="Settings")


class SettingsError(ValueError):
    """A setting is unknown, missing or has a bad value; the message names its key path."""


class KeyProblem(ValueError):
    """Raised by a model validator about one key of the model: ``key`` joins the error's path."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class Settings(BaseModel):
    """A settings section: frozen, unknown keys refused, built with :meth:`from_dict`."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)

    #: Where the section lives in the configuration (the prefix of its error messages).
    WHERE: typing.ClassVar[str] = "settings"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None, where: str | None = None) -> Self:
        """Validate a mapping (``None``: the defaults).

        Raises:
            SettingsError: naming the key path (prefixed by ``where``) and the problem.
        """
        try:
            return cls.model_validate(dict(data or {}))
        except ValidationError as error:
            raise SettingsError(describe_error(error, cls, where or cls.WHERE)) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, accepted by :meth:`from_dict`."""
        return self.model_dump(mode="json")


def key_path(where: str, loc: Sequence[str | int]) -> str:
    """``where.a.b[2].c`` from a pydantic location."""
    path = where
    for part in loc:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    return path


def describe_error(error: ValidationError, model: type[BaseModel] | None = None, where: str = "") -> str:
    """The first error of ``error`` as ``path: problem (got value)``."""
    first = error.errors(include_url=False)[0]
    loc = [part for part in first["loc"] if not _is_tag(part)]
    path = key_path(where, loc)
    kind, ctx, value = first["type"], first.get("ctx") or {}, first.get("input")
    if kind == "extra_forbidden":
        valid = fields_at(model, loc[:-1]) if model is not None else None
        listed = f" (valid: {', '.join(valid)})" if valid else ""
        return f"{path}: unknown setting{listed}"
    if kind == "missing":
        return f"{path}: required setting is missing"
    if kind in ("value_error", "assertion_error"):
        problem = ctx.get("error", first["msg"])
        if isinstance(problem, KeyProblem):
            path = key_path(path, [problem.key])
        return f"{path}: {problem}"
    comparisons = {"greater_than": "> {gt}", "greater_than_equal": ">= {ge}", "less_than": "< {lt}",
                   "less_than_equal": "<= {le}"}
    if kind in comparisons:
        bound = {key: _plain(number) for key, number in ctx.items()}
        return f"{path}: must be {comparisons[kind].format(**bound)} (got {value!r})"
    if kind == "union_tag_invalid":  # a discriminated union: ``source.kind``
        tag, expected = ctx.get("discriminator", "kind").strip("'"), ctx.get("expected_tags", "")
        valid = ", ".join(t.strip().strip("'") for t in str(expected).split(","))
        noun = f"{loc[-1]} {tag}" if loc and isinstance(loc[-1], str) else tag
        return f"{key_path(path, [tag])}: unknown {noun} {ctx.get('tag')!r} (valid: {valid})"
    if kind == "union_tag_not_found":
        return f"{key_path(path, [str(ctx.get('discriminator', 'kind')).strip(chr(39))])}: required setting is missing"
    if kind == "literal_error":
        return f"{path}: {value!r} is not one of {ctx.get('expected')}"
    message = first["msg"].replace("Tuple", "List").replace("tuple", "list")
    return f"{path}: {message[0].lower()}{message[1:]} (got {value!r})"


def _plain(number: Any) -> Any:
    """``0`` for ``0.0`` (a bound as the user would write it)."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


#: Names pydantic adds to error locations for the members of a union.
_UNION_TAGS = frozenset({"bool", "int", "float", "str", "none", "list", "dict", "tuple", "constrained-int",
                         "constrained-float", "lax-or-strict"})


def _is_tag(part: Any) -> bool:
    """Pydantic adds union member names (``function-after[...]``, ``int``) to locations."""
    return isinstance(part, str) and ("[" in part or part.startswith("function-") or part in _UNION_TAGS)


def fields_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str] | None:
    """The field names of the model found at ``loc`` below ``model`` (``None`` if unknown)."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    target = _unwrap_model(annotation)
    return sorted(target.model_fields) if target is not None else None


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = _unwrap_model(argument)
        if found is not None:
            return found
    return None


def _step(annotation: Any, part: str | int) -> Any:
    model = _unwrap_model(annotation) if not typing.get_origin(annotation) in (dict, list, tuple) else None
    if model is not None and isinstance(part, str) and part in model.model_fields:
        return model.model_fields[part].annotation
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _step(arguments[0], part)
    if origin in (dict, Mapping) and arguments:
        return arguments[-1]
    if origin in (list, tuple, Sequence) and arguments:
        return arguments[0]
    if origin is typing.Union or str(origin) == "types.UnionType":
        for argument in arguments:
            found = _step(argument, part)
            if found is not None:
                return found
    return None


def choice(kind: str, names: Sequence[str] | Callable[[], Sequence[str]]) -> Any:
    """A string type restricted to ``names`` (a registry's), with the message
    ``unknown {kind} 'x' (valid: a, b, ...)``; the JSON schema lists the names as an enum."""
    values = tuple(names() if callable(names) else names)

    def check(value: Any) -> Any:
        if not any(type(value) is type(v) and value == v for v in values):  # 1 is not True
            shown = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
            raise ValueError(f"unknown {kind} {value!r} (valid: {shown})")
        return value

    return Annotated[Literal[values], BeforeValidator(check)]  # type: ignore[valid-type]


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return value


#: A real number (an int is accepted, a bool or a string is not).
Number = Annotated[float, BeforeValidator(_number)]
