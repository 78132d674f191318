"""Settings of augmentation: online (random transforms in the loader) or offline (a fixed expansion).

Config shape (``datasets.<d>.augment``, which an experiment's ``augment`` section refines)::

    augment:
      mode: offline            # online | offline | none
      seed: 0
      offline: {set: rot90_shift, copies: 4, rotations: [0, 1, 2, 3], max_shift_fraction: 0.1}
      online:                  # each transform: its probability and parameters (defaults below)
        flip: {prob: 0.5, axes: [x]}
        affine: {prob: 0.2, rotate_deg: 15, scale: [0.85, 1.15], translate_fraction: 0.0}
        gamma: {prob: 0.3, range: [0.7, 1.5]}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: ``augment.mode`` values.
MODES = ("online", "offline", "none")

#: Online transforms, applied in this order (spatial first, then intensity), with their defaults.
#: The defaults follow nnU-Net's (Isensee et al., Nature Methods 2021, supplementary note 4:
#: rotation and scaling p 0.2, gamma p 0.3 in [0.7, 1.5], Gaussian noise p 0.1, contrast p 0.15
#: in [0.75, 1.25], mirroring) with a smaller rotation, as suits axial head CT, and elastic
#: deformation off (nnU-Net dropped it).
ONLINE_DEFAULTS: dict[str, dict[str, Any]] = {
    "flip": {"prob": 0.5, "axes": ["x"]},
    "rot90": {"prob": 0.0},
    "affine": {"prob": 0.2, "rotate_deg": 15.0, "scale": [0.85, 1.15], "translate_fraction": 0.0},
    "elastic": {"prob": 0.0, "spacing_px": 16.0, "magnitude_px": [1.0, 2.0], "sigma_px": [9.0, 13.0],
                "magnitude": [50.0, 150.0]},
    "gamma": {"prob": 0.3, "range": [0.7, 1.5]},
    "noise": {"prob": 0.1, "std": 0.05},
    "contrast": {"prob": 0.15, "range": [0.75, 1.25]},
}
#: Spatial axis names of the ``flip`` transform.
AXES = ("z", "y", "x")


def _number(value: Any, where: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{where}: must be in [{low}, {high}], got {value}")
    return float(value)


def _range(value: Any, where: str, low: float | None = None) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{where}: expected [low, high], got {value!r}")
    pair = (_number(value[0], where, low), _number(value[1], where, low))
    if pair[0] > pair[1]:
        raise ValueError(f"{where}: low {pair[0]} is above high {pair[1]}")
    return pair


def _check_online(name: str, params: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Validate one online transform's parameters against its defaults' keys and types."""
    allowed = ONLINE_DEFAULTS[name]
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; valid keys are {sorted(allowed)}")
    merged = {**allowed, **params}
    out: dict[str, Any] = {"prob": _number(merged["prob"], f"{where}.prob", 0.0, 1.0)}
    for key, default in allowed.items():
        if key == "prob":
            continue
        value, at = merged[key], f"{where}.{key}"
        if key == "axes":
            if not isinstance(value, (list, tuple)) or not value or any(a not in AXES for a in value):
                raise ValueError(f"{at}: expected a non-empty list of {list(AXES)}, got {value!r}")
            out[key] = tuple(dict.fromkeys(value))
        elif isinstance(default, list):
            out[key] = _range(value, at, 0.0)
        else:
            out[key] = _number(value, at, 0.0, 0.5 if key == "translate_fraction" else None)
    return out


@dataclass(frozen=True)
class OfflineSettings:
    """A fixed expansion of the training samples, enumerated lazily (:mod:`lesionbench.augment.offline`).

    Attributes:
        set: name in :data:`lesionbench.augment.offline.OFFLINE_SETS` (``"rot90_shift"``:
            paper 000 section 1.2).
        copies: total expansion factor including the original (paper 000: 430 x 4 samples,
            so 4): each training sample is kept and ``copies - 1`` augmented versions added.
        rotations: allowed quarter-turn counts ``k`` (each copy draws one).
        max_shift_fraction: largest translation as a fraction of the image size, in ``[0, 0.5)``.
    """

    set: str = "rot90_shift"
    copies: int = 4
    rotations: tuple[int, ...] = (0, 1, 2, 3)
    max_shift_fraction: float = 0.1

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "augment.offline") -> OfflineSettings:
        from lesionbench.augment.offline import OFFLINE_SETS

        data = dict(data or {})
        unknown = sorted(set(data) - {"set", "copies", "rotations", "max_shift_fraction"})
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {unknown}; valid keys are "
                             "['copies', 'max_shift_fraction', 'rotations', 'set']")
        name = data.get("set", cls.set)
        if name not in OFFLINE_SETS:
            raise ValueError(f"{where}.set: unknown offline set {name!r} (valid: {', '.join(sorted(OFFLINE_SETS))})")
        copies = data.get("copies", cls.copies)
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise ValueError(f"{where}.copies: must be an integer >= 1, got {copies!r}")
        rotations = data.get("rotations", list(cls.rotations))
        if (not isinstance(rotations, (list, tuple)) or not rotations
                or any(isinstance(k, bool) or k not in (0, 1, 2, 3) for k in rotations)):
            raise ValueError(f"{where}.rotations: must be a non-empty list of 0, 1, 2, 3; got {rotations!r}")
        shift = _number(data.get("max_shift_fraction", cls.max_shift_fraction), f"{where}.max_shift_fraction", 0.0)
        if shift >= 0.5:
            raise ValueError(f"{where}.max_shift_fraction: must be in [0, 0.5), got {shift}")
        return cls(set=name, copies=copies, rotations=tuple(int(k) for k in rotations), max_shift_fraction=shift)

    def to_dict(self) -> dict[str, Any]:
        return {"set": self.set, "copies": self.copies, "rotations": list(self.rotations),
                "max_shift_fraction": self.max_shift_fraction}


@dataclass(frozen=True)
class AugmentSettings:
    """How training samples are augmented.

    Attributes:
        mode: ``"online"`` (seeded random transforms per sample in the loader, every epoch
            different), ``"offline"`` (a deterministic expansion of the training set, the
            papers' protocol), or ``"none"``.
        seed: seed of every draw (combined with the fold, and online with the epoch and the
            sample's position, so any number of loader workers gives the same batches).
        offline: see :class:`OfflineSettings`.
        online: transform name -> parameters (all of :data:`ONLINE_DEFAULTS`, in that order;
            ``prob: 0`` switches one off).
    """

    mode: str = "online"
    seed: int = 0
    offline: OfflineSettings = field(default_factory=OfflineSettings)
    online: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {name: _check_online(name, {}, name) for name in ONLINE_DEFAULTS})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, where: str = "augment") -> AugmentSettings:
        """Build from a config mapping; unknown keys and bad values raise ``ValueError`` naming the key."""
        data = dict(data or {})
        unknown = sorted(set(data) - {"mode", "seed", "offline", "online"})
        if unknown:
            raise ValueError(f"{where}: unknown key(s) {unknown}; valid keys are ['mode', 'offline', 'online', 'seed']")
        mode = data.get("mode", cls.mode)
        if mode not in MODES:
            raise ValueError(f"{where}.mode: must be one of {list(MODES)}, got {mode!r}")
        seed = data.get("seed", cls.seed)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"{where}.seed: must be an integer >= 0, got {seed!r}")
        online_data = data.get("online") or {}
        if not isinstance(online_data, Mapping):
            raise ValueError(f"{where}.online: expected a mapping of transforms, got {online_data!r}")
        unknown = sorted(set(online_data) - set(ONLINE_DEFAULTS))
        if unknown:
            raise ValueError(f"{where}.online: unknown transform(s) {unknown}; valid: {list(ONLINE_DEFAULTS)}")
        online = {}
        for name in ONLINE_DEFAULTS:
            params = online_data.get(name) or {}
            if not isinstance(params, Mapping):
                raise ValueError(f"{where}.online.{name}: expected a mapping, got {params!r}")
            online[name] = _check_online(name, params, f"{where}.online.{name}")
        return cls(mode=mode, seed=seed, offline=OfflineSettings.from_dict(data.get("offline"), f"{where}.offline"),
                   online=online)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, accepted by :meth:`from_dict`."""
        online = {name: {key: list(value) if isinstance(value, tuple) else value for key, value in params.items()}
                  for name, params in self.online.items()}
        return {"mode": self.mode, "seed": self.seed, "offline": self.offline.to_dict(), "online": online}

    def active(self) -> dict[str, Any]:
        """What the chosen mode uses (for hashing and provenance): other modes' settings drop out."""
        out: dict[str, Any] = {"mode": self.mode}
        if self.mode != "none":
            out["seed"] = self.seed
            out[self.mode] = self.to_dict()[self.mode]
        return out
