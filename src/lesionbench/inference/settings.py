"""Prediction settings, and the small validators every settings class of the package uses.

Settings arrive as plain dicts from ``config.yaml`` (through a JSON string on the command
line). They are checked once, here, and wrapped in frozen dataclasses, so the computation
never sees a raw dict and an unknown or mistyped key fails early with its full name
(README, "Running elsewhere").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class SettingsError(ValueError):
    """A settings dict has an unknown key, a missing key or a value of the wrong type."""


def check_mapping(data: Any, where: str) -> Mapping[str, Any]:
    """Return ``data`` if it is a mapping with string keys, else raise :class:`SettingsError`."""
    if not isinstance(data, Mapping):
        raise SettingsError(f"{where}: expected a mapping, got {type(data).__name__}")
    for key in data:
        if not isinstance(key, str):
            raise SettingsError(f"{where}: keys must be strings, got {key!r}")
    return data


def check_keys(data: Mapping[str, Any], allowed: Iterable[str], where: str,
               required: Iterable[str] = ()) -> None:
    """Raise :class:`SettingsError` naming the first unknown or missing key of ``data``."""
    allowed = tuple(allowed)
    for key in data:
        if key not in allowed:
            raise SettingsError(
                f"{where}.{key}: unknown setting (valid: {', '.join(sorted(allowed)) or 'none'})"
            )
    for key in required:
        if key not in data:
            raise SettingsError(f"{where}.{key}: required setting is missing")


def as_int(value: Any, where: str, minimum: int | None = None) -> int:
    """``value`` as an int (bools are refused), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise SettingsError(f"{where}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise SettingsError(f"{where}: must be >= {minimum}, got {value}")
    return int(value)


def as_float(value: Any, where: str, minimum: float | None = None,
             maximum: float | None = None, exclusive_minimum: bool = False) -> float:
    """``value`` as a float within ``[minimum, maximum]`` (ints accepted, bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingsError(f"{where}: expected a number, got {value!r}")
    value = float(value)
    if value != value:  # NaN
        raise SettingsError(f"{where}: must not be NaN")
    if minimum is not None and (value < minimum or (exclusive_minimum and value == minimum)):
        relation = ">" if exclusive_minimum else ">="
        raise SettingsError(f"{where}: must be {relation} {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SettingsError(f"{where}: must be <= {maximum}, got {value}")
    return value


def as_bool(value: Any, where: str) -> bool:
    """``value`` if it is a bool, else raise :class:`SettingsError`."""
    if not isinstance(value, bool):
        raise SettingsError(f"{where}: expected true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class PredictSettings:
    """How the held-out cases of a fold are predicted.

    The sample geometry (layout, network input size, fit, 2.5D offsets) is not a prediction
    setting: it is stored in the checkpoint, so a model is always applied as it was trained.

    Attributes:
        batch_size: slices per forward pass.
        threshold: a voxel is foreground where the resampled probability is ``>= threshold``.
    """

    batch_size: int = 16
    threshold: float = 0.5

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "predict") -> PredictSettings:
        """Build from a config dict ``{"batch_size", "threshold"}``.

        Raises:
            SettingsError: naming the key, for an unknown key or a bad value.
        """
        data = check_mapping(data, where)
        check_keys(data, ("batch_size", "threshold"), where)
        return cls(
            batch_size=as_int(data.get("batch_size", cls.batch_size), f"{where}.batch_size", 1),
            threshold=as_float(data.get("threshold", cls.threshold), f"{where}.threshold", 0.0, 1.0),
        )

    def to_dict(self) -> dict[str, Any]:
        """The plain-dict form accepted by :meth:`from_dict`."""
        return {"batch_size": self.batch_size, "threshold": self.threshold}
