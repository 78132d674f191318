"""Settings of augmentation: online (random transforms in the loader) or offline (a fixed expansion).

Config shape (``datasets.<d>.augment``, which an experiment's ``augment`` section refines)::

    augment:
      mode: offline            # online | offline | none
      seed: 0
      offline: {set: rot90_shift, copies: 4, rotations: [0, 1, 2, 3], max_shift_fraction: 0.1}
      # paper 001's 3D VOIs: offline: {set: cube48}   (copies 48, the cube's symmetries)
      online:                  # each transform: its probability and parameters (defaults below)
        flip: {prob: 0.5, axes: [x]}
        affine: {prob: 0.2, rotate_deg: 15, scale: [0.85, 1.15], translate_fraction: 0.0}
        gamma: {prob: 0.3, range: [0.7, 1.5]}

The online defaults follow nnU-Net's (Isensee et al., Nature Methods 2021, supplementary note 4:
rotation and scaling p 0.2, gamma p 0.3 in [0.7, 1.5], Gaussian noise p 0.1, contrast p 0.15
in [0.75, 1.25], mirroring) with a smaller rotation, as suits axial head CT, and elastic
deformation off (nnU-Net dropped it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, StrictInt, model_validator

from lesionbench.config import KeyProblem, Number, Settings, choice

#: ``augment.mode`` values.
MODES = ("online", "offline", "none")
#: Spatial axis names of the ``flip`` transform.
AXES = ("z", "y", "x")

Probability = Annotated[Number, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[Number, Field(ge=0.0)]


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"low {pair[0]} is above high {pair[1]}")
    return pair


#: ``[low, high]`` with ``0 <= low <= high``.
Range = Annotated[tuple[NonNegative, NonNegative], AfterValidator(_ordered)]


class FlipSettings(Settings):
    """Mirror along each of ``axes`` independently with probability ``prob``.

    Attributes:
        prob: probability of mirroring, per axis and sample.
        axes: spatial axes that may be mirrored (``z``, ``y``, ``x``; ``x`` is left-right;
            ``z`` only for 3D samples).
    """

    prob: Probability = 0.5
    axes: Annotated[tuple[Literal["z", "y", "x"], ...], Field(min_length=1)] = ("x",)


class Rot90Settings(Settings):
    """A quarter turn (1-3) in the slice plane with probability ``prob`` (square samples; for
    3D samples in the axial ``(H, W)`` plane).

    Attributes:
        prob: probability of a quarter turn per sample (0 = off).
    """

    prob: Probability = 0.0


class AffineSettings(Settings):
    """Rotation up to ``rotate_deg`` degrees, scaling by a factor in ``scale`` (each axis drawn
    on its own) and translation up to ``translate_fraction`` of the size, with probability ``prob``.

    Attributes:
        prob: probability of an affine transform per sample.
        rotate_deg: largest rotation (degrees, either sign): in the slice plane for 2D samples,
            about each of the three axes (drawn on its own) for 3D samples.
        scale: ``[low, high]`` zoom factor, drawn per axis.
        translate_fraction: largest shift as a fraction of the sample size, in ``[0, 0.5]``.
    """

    prob: Probability = 0.2
    rotate_deg: NonNegative = 15.0
    scale: Range = (0.85, 1.15)
    translate_fraction: Annotated[Number, Field(ge=0.0, le=0.5)] = 0.0


class ElasticSettings(Settings):
    """Elastic deformation with probability ``prob``: in 2D a control grid of ``spacing_px``
    pixels moved by ``magnitude_px`` (MONAI ``Rand2DElastic``); in 3D a displacement field
    smoothed by ``sigma_px`` and scaled by ``magnitude`` (MONAI ``Rand3DElastic``).

    Attributes:
        prob: probability of an elastic deformation per sample (0 = off, nnU-Net's choice).
        spacing_px: 2D: control-grid spacing (pixels).
        magnitude_px: 2D: ``[low, high]`` control-point displacement (pixels).
        sigma_px: 3D: ``[low, high]`` Gaussian smoothing of the displacement field (voxels).
        magnitude: 3D: ``[low, high]`` scale of the smoothed displacement field.
    """

    prob: Probability = 0.0
    spacing_px: Annotated[Number, Field(gt=0.0)] = 16.0
    magnitude_px: Range = (1.0, 2.0)
    sigma_px: Range = (9.0, 13.0)
    magnitude: Range = (50.0, 150.0)


class GammaSettings(Settings):
    """Intensity gamma drawn from ``range`` (on min-max normalised intensities) with probability ``prob``.

    Attributes:
        prob: probability of a gamma transform per sample.
        range: ``[low, high]`` gamma exponent.
    """

    prob: Probability = 0.3
    range: Range = (0.7, 1.5)


class NoiseSettings(Settings):
    """Gaussian noise of standard deviation up to ``std`` with probability ``prob``.

    Attributes:
        prob: probability of adding noise per sample.
        std: largest noise standard deviation (units of the network input, drawn uniformly).
    """

    prob: Probability = 0.1
    std: NonNegative = 0.05


class ContrastSettings(Settings):
    """Intensities scaled about their mean by a factor in ``range`` (clipped to the original
    range) with probability ``prob``.

    Attributes:
        prob: probability of a contrast change per sample.
        range: ``[low, high]`` contrast factor.
    """

    prob: Probability = 0.15
    range: Range = (0.75, 1.25)


class OnlineSettings(Settings):
    """The online transforms, applied in this order (spatial first, then intensity); ``prob: 0``
    switches one off.

    Attributes:
        flip: mirroring (:class:`FlipSettings`).
        rot90: quarter turns (:class:`Rot90Settings`).
        affine: rotation, scaling, translation (:class:`AffineSettings`).
        elastic: elastic deformation (:class:`ElasticSettings`).
        gamma: intensity gamma (:class:`GammaSettings`).
        noise: Gaussian noise (:class:`NoiseSettings`).
        contrast: contrast scaling (:class:`ContrastSettings`).
    """

    WHERE: ClassVar[str] = "augment.online"

    flip: FlipSettings = FlipSettings()
    rot90: Rot90Settings = Rot90Settings()
    affine: AffineSettings = AffineSettings()
    elastic: ElasticSettings = ElasticSettings()
    gamma: GammaSettings = GammaSettings()
    noise: NoiseSettings = NoiseSettings()
    contrast: ContrastSettings = ContrastSettings()

    def active(self) -> dict[str, Settings]:
        """Transform name -> its settings, for the transforms with a probability above 0, in order."""
        return {name: getattr(self, name) for name in type(self).model_fields if getattr(self, name).prob > 0}


def _offline_set_names() -> tuple[str, ...]:
    from lesionbench.augment.offline import OFFLINE_SETS

    return tuple(sorted(OFFLINE_SETS))


def _offline_set(name: Any) -> Any:
    from lesionbench.augment.offline import OFFLINE_SETS

    return OFFLINE_SETS.get(name) if isinstance(name, str) else None


class OfflineSettings(Settings):
    """A fixed expansion of the training samples, enumerated lazily (:mod:`lesionbench.augment.offline`).

    Attributes:
        set: name in :data:`lesionbench.augment.offline.OFFLINE_SETS`: ``"rot90_shift"``
            (paper 000 section 1.2, 2D: random quarter turns and shifts) or ``"cube48"``
            (paper 001 section 3.2 (5), 3D cubic VOIs: the 48 symmetries of the cube).
        copies: total expansion factor including the original (paper 000: 430 x 4 samples,
            so 4): each training sample is kept and ``copies - 1`` augmented versions added.
            ``cube48``: 48, its default and only valid value.
        rotations: ``rot90_shift``: allowed quarter-turn counts ``k`` (each copy draws one).
        max_shift_fraction: ``rot90_shift``: largest translation as a fraction of the image
            size, in ``[0, 0.5)``.
    """

    WHERE: ClassVar[str] = "augment.offline"

    set: choice("offline set", _offline_set_names) = "rot90_shift"  # type: ignore[valid-type]
    copies: Annotated[StrictInt, Field(ge=1)] = 4
    rotations: Annotated[tuple[Literal[0, 1, 2, 3], ...], Field(min_length=1)] = (0, 1, 2, 3)
    max_shift_fraction: Annotated[Number, Field(ge=0.0, lt=0.5)] = 0.1

    @model_validator(mode="before")
    @classmethod
    def _set_copies_default(cls, data: Any) -> Any:
        """A set of a fixed size (``cube48``) defaults ``copies`` to that size."""
        if isinstance(data, Mapping) and "copies" not in data:
            fixed = getattr(_offline_set(data.get("set")), "copies", None)
            if fixed is not None:
                return {**data, "copies": fixed}
        return data

    @model_validator(mode="after")
    def _fixed_copies(self) -> OfflineSettings:
        fixed = getattr(_offline_set(self.set), "copies", None)
        if fixed is not None and self.copies != fixed:
            raise KeyProblem("copies", f"offline set {self.set!r} has exactly {fixed} copies (got {self.copies}); "
                                       f"set copies: {fixed} or leave it out")
        return self

    def active(self) -> dict[str, Any]:
        """The keys the chosen set reads (for hashing and provenance)."""
        data = self.to_dict()
        uses = getattr(_offline_set(self.set), "uses", None)
        return data if uses is None else {key: data[key] for key in uses}


class AugmentSettings(Settings):
    """How training samples are augmented.

    Attributes:
        mode: ``"online"`` (seeded random transforms per sample in the loader, every epoch
            different), ``"offline"`` (a deterministic expansion of the training set, the
            papers' protocol), or ``"none"``.
        seed: seed of every draw (combined with the fold, and online with the epoch and the
            sample's position, so any number of loader workers gives the same batches).
        offline: see :class:`OfflineSettings`.
        online: see :class:`OnlineSettings`.
    """

    WHERE: ClassVar[str] = "augment"

    mode: Literal["online", "offline", "none"] = "online"
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    offline: OfflineSettings = OfflineSettings()
    online: OnlineSettings = OnlineSettings()

    def active(self) -> dict[str, Any]:
        """What the chosen mode uses (for hashing and provenance): other modes' settings drop out."""
        out: dict[str, Any] = {"mode": self.mode}
        if self.mode != "none":
            out["seed"] = self.seed
            out[self.mode] = self.offline.active() if self.mode == "offline" else self.to_dict()[self.mode]
        return out
