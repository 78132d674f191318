"""AGMR-Net: attention-guided multi-scale recovery network (paper 003, thesis chapter 3, Fig. 3.1).

D-UNet (:class:`~lesionbench.networks.dunet.DUNet`) plus three modules, each an ablation flag
(thesis Table 3.1; all off is D-UNet, architecture and parameter count):

- ``cpa``: coarse-grained patch attention after the two convs of every 2D encoder stage (five
  stages, section 3.2); its 6 x 6 patch logits are returned for the prior-map BCE (eq. 3.15);
- ``cff``: cross-dimension feature fusion replacing D-UNet's SE-add fusion at the two fusion
  points (section 3.3), reduction rate ``R = 8``;
- ``mdu``: multi-scale deconvolution up-sampling replacing the 4 decoder up-samplings (section
  3.4), kernels 3, 5, 7, 9, output width ``C' = C_in`` (fixed by Table 3.7's counts,
  docs/paper003.md, B-14), each block ``concat(skip, MDU) -> BN_block(C_in / 2)``.

Order inside a 2D encoder stage: ``BN_block -> CPA -> CFF (stages 2, 3) -> dropout (stages 4,
5) -> skip and pooling`` (docs/paper003.md, B-11). Table variants: ``attention`` (Table 3.4:
``fa`` is CBAM's pixel attention, unsupervised, no maps), ``fusion`` (Table 3.5), ``reduction``
(Table 3.6), ``kernels`` (Table 3.7), ``mdu_position`` (Table 3.8: ``encoder`` / ``skip`` put
a stride-1 multi-kernel conv block after 2D encoder stages 1-4 / on the 4 skip features, and the
decoder up-samples as D-UNet), ``cff_hidden`` (B-13).

Parameter count at the paper's settings: 23,019,489 against the published 23,799,283 (Tables
3.7, 4.3), and 11,878,369 against 12,658,163 for "Size = 3": the same 779,794 short in every row.
Table 3.7's single-size counts differ from each other by exactly ``348,160 * (k_1^2 - k_2^2)``
here as in the thesis; the offset common to all five rows is
not explained by the text (docs/paper003.md, B-14) and no tensor is invented to close it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from lesionbench.networks.dunet import DUNET_FEATURES, DUNET_FEATURES_3D, MDU_POSITIONS, TwoPathUNet
from lesionbench.networks.factory import register_network
from lesionbench.networks.outputs import AttentionOutput
from lesionbench.networks.stroke_blocks import CrossDimensionFusion


def resolve_module(flag: bool, choice: str | None, default: str, option: str, flag_name: str,
                   requires: Sequence[str]) -> str | None:
    """The variant of a module switched by a boolean ``flag`` and refined by ``choice``.

    ``choice=None`` gives ``default`` when ``flag`` is on, else ``None``; an explicit ``choice``
    wins, except that ``flag=False`` with a choice in ``requires`` (the flag's own module) is a
    contradiction.
    """
    if choice is None:
        return default if flag else None
    if not flag and choice in requires:
        raise ValueError(f"{flag_name}=False contradicts {option}={choice!r}")
    return choice


@register_network("agmr_net", spatial_dims=(2,), outputs=("seg",))
class AGMRNet(TwoPathUNet):
    """AGMR-Net (thesis chapter 3) with its ablation flags and Table 3.4-3.8 variants.

    Args:
        in_channels: slices of the 2.5D stack (4; offsets -2, -1, 0, +1).
        out_channels: logit channels (1: sigmoid).
        features, features_3d, dropout, se_ratio, upsample: the D-UNet backbone's
            (:class:`~lesionbench.networks.dunet.DUNet`); ``dropout`` also in the MDU branches
            (not stated; docs/paper003.md, B-14).
        cpa: coarse-grained patch attention at the 5 encoder stages.
        cff: cross-dimension fusion instead of D-UNet's ``se_add``.
        mdu: multi-scale deconvolution up-sampling.
        attention: ``cpa`` or ``fa`` (Table 3.4); default: ``cpa`` if ``cpa`` else none.
        fusion: ``cff``, ``add``, ``concat``, ``cff_concat`` or ``se_add`` (Table 3.5); default:
            ``cff`` if ``cff`` else ``se_add``.
        reduction: CFF's ``R`` (8; Table 3.6 also 32).
        cff_hidden: ``shared`` (the section 3.6.4 formula) or ``separate``.
        kernels: MDU kernels (3, 5, 7, 9), or ``k`` for Table 3.7's "Size = k" (``(k,) * 4``).
        mdu_position: ``decoder`` (default), ``encoder`` or ``skip`` (Table 3.8); default:
            ``decoder`` if ``mdu`` else none.

    Returns (always, for uniformity): :class:`~lesionbench.networks.outputs.AttentionOutput`
    ``(seg (B, out, H, W), attention_maps=5 x (B, 1, 6, 6))`` logits; ``attention_maps`` is
    ``()`` without CPA (FA is unsupervised). ``H``, ``W``: multiples of 96 with CPA, else 16.
    :meth:`cff_weights` gives the 2D channel weights ``omega_2`` of the last forward (Fig. 3.10).
    """

    def __init__(
        self,
        in_channels: int = 4,
        out_channels: int = 1,
        features: Sequence[int] = DUNET_FEATURES,
        features_3d: Sequence[int] = DUNET_FEATURES_3D,
        dropout: float = 0.3,
        se_ratio: int = 16,
        upsample: str = "bilinear",
        cpa: bool = True,
        cff: bool = True,
        mdu: bool = True,
        attention: str | None = None,
        fusion: str | None = None,
        reduction: int = 8,
        cff_hidden: str = "shared",
        kernels: int | Sequence[int] = (3, 5, 7, 9),
        mdu_position: str | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, features, features_3d, dropout, se_ratio, upsample,
            attention=resolve_module(cpa, attention, "cpa", "attention", "cpa", ("cpa",)),
            fusion=resolve_module(cff, fusion, "cff", "fusion", "cff", ("cff", "cff_concat")) or "se_add",
            reduction=reduction, cff_hidden=cff_hidden, kernels=kernels,
            mdu_position=resolve_module(mdu, mdu_position, "decoder", "mdu_position", "mdu", MDU_POSITIONS),
        )

    def cff_weights(self) -> tuple[torch.Tensor, ...]:
        """``omega_2`` ``(B, C)`` of each CFF (shallow to deep) from the last forward; ``()`` without CFF."""
        return tuple(m.last_weights_2d for m in self.fusions.values()
                     if isinstance(m, CrossDimensionFusion) and m.last_weights_2d is not None)

    def forward(self, x: torch.Tensor) -> AttentionOutput:
        seg, maps = self.features_and_maps(x)
        return AttentionOutput(seg=seg, attention_maps=tuple(maps))
