"""Which phantom cases have a lesion, where, and of which class: the per-index assignment.

Everything here is a function of ``(seed, index)`` and the settings, never of the other cases
or of ``cases``, so each case can be drawn alone by its own job. Lesion-free or not, location
and (by default) class follow a low-discrepancy R3 sequence over the case index, offset by the
seed: every dozen cases mix the kinds in the configured proportions. With an exact class count
(``PhantomSettings.avm_quota = [k, n]``) the class is instead fixed per block of ``n``
consecutive indices: a permutation of the block's lesion cases, seeded by ``(seed, block)``,
makes its first ``k`` cases AVM, so ``cases: n`` holds exactly ``k`` AVM cases (paper 001:
42 of 80) and extra indices (a workflow's ``test_cases``) start the next block without
changing the first. ``size_split_mm`` likewise makes half of each class of a block small and
half large, with a second permutation.
"""

from __future__ import annotations

import numpy as np

#: R3 sequence step (inverse powers of the plastic-like constant g, g^4 = g + 1).
_G = 1.2207440846057596
_R3 = np.array([1 / _G, 1 / _G**2, 1 / _G**3])
#: Third word of the seed of a block's class permutation (``[seed, block, word]``): keeps it
#: apart from the cases' own ``[seed, index]`` generators.
_CLASS_WORD = 0x61766D  # "avm"
#: Third word of the seed of a block's size permutation (``size_split_mm``).
_SIZE_WORD = 0x73697A  # "siz"


def r3_uniforms(seed: int, index: int) -> tuple[float, float, float]:
    """``(u_free, u_location, u_class)`` in ``[0, 1)`` of case ``index``: the R3 point ``index + 1``
    offset by ``numpy.random.default_rng([seed]).random(3)``."""
    return _point(np.random.default_rng([seed]).random(3), index)


def _point(offset: np.ndarray, index: int) -> tuple[float, float, float]:
    u_free, u_location, u_class = (offset + (index + 1) * _R3) % 1.0
    return float(u_free), float(u_location), float(u_class)


def has_lesion(seed: int, index: int, lesion_free_fraction: float) -> bool:
    """Whether case ``index`` has a hematoma (``u_free >= lesion_free_fraction``)."""
    return r3_uniforms(seed, index)[0] >= lesion_free_fraction


def lesion_indices(seed: int, start: int, stop: int, lesion_free_fraction: float) -> list[int]:
    """The case indices in ``[start, stop)`` that have a hematoma, increasing."""
    offset = np.random.default_rng([seed]).random(3)
    return [index for index in range(start, stop) if _point(offset, index)[0] >= lesion_free_fraction]


def block_avm_indices(seed: int, block: int, avm_quota: tuple[int, int], lesion_free_fraction: float) -> set[int]:
    """The AVM cases of block ``block`` (indices ``block * n`` .. ``block * n + n - 1``).

    Args:
        seed: dataset seed.
        block: block number.
        avm_quota: ``(k, n)``: ``k`` AVM cases among the lesion cases of each block of ``n``.
        lesion_free_fraction: as in the settings (which block cases have a lesion).

    Returns:
        ``min(k, lesion cases of the block)`` indices; the settings refuse a ``k`` above the
        lesion cases of any block that ``cases`` covers.
    """
    k, n = avm_quota
    lesions = lesion_indices(seed, block * n, (block + 1) * n, lesion_free_fraction)
    order = np.random.default_rng([seed, block, _CLASS_WORD]).permutation(len(lesions))
    return {lesions[int(j)] for j in order[:k]}


def lesion_class_of(seed: int, index: int, avm_fraction: float, avm_quota: tuple[int, int] | None,
                    lesion_free_fraction: float) -> str:
    """``"avm"`` or ``"other"`` for a lesion case: exact per block when ``avm_quota`` is set,
    else ``u_class < avm_fraction`` on the R3 sequence."""
    if avm_quota is None:
        return "avm" if r3_uniforms(seed, index)[2] < avm_fraction else "other"
    block = index // avm_quota[1]
    return "avm" if index in block_avm_indices(seed, block, avm_quota, lesion_free_fraction) else "other"


def block_small_indices(seed: int, block: int, avm_quota: tuple[int, int], lesion_free_fraction: float) -> set[int]:
    """The lesion cases of block ``block`` drawn below ``size_split_mm``: of each class (AVM, other)
    of the block, the first ``ceil(count / 2)`` in a permutation seeded by ``(seed, block)``."""
    n = avm_quota[1]
    lesions = lesion_indices(seed, block * n, (block + 1) * n, lesion_free_fraction)
    avm = block_avm_indices(seed, block, avm_quota, lesion_free_fraction)
    order = [lesions[int(j)] for j in np.random.default_rng([seed, block, _SIZE_WORD]).permutation(len(lesions))]
    small: set[int] = set()
    for members in ([i for i in order if i in avm], [i for i in order if i not in avm]):
        small.update(members[:(len(members) + 1) // 2])
    return small


def is_small(seed: int, index: int, avm_quota: tuple[int, int], lesion_free_fraction: float) -> bool:
    """Whether lesion case ``index`` draws its volume below ``size_split_mm`` (:func:`block_small_indices`)."""
    return index in block_small_indices(seed, index // avm_quota[1], avm_quota, lesion_free_fraction)


def sphere_volume_ml(diameter_mm: float) -> float:
    """Volume (mL) of a sphere of ``diameter_mm``."""
    return float(np.pi / 6.0 * diameter_mm**3 / 1000.0)
