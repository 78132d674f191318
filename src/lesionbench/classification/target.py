"""The per-case class a multi-task network learns (``datasets.<d>.classification``; paper 001).

Paper 001 classifies each subject's hemorrhage as AVM-related (positive, class 1) or other
(class 0) from its VOI (sections 2.2 and 3.1). The class comes from one of the case labels every
recipe records in ``meta/{case}.json`` (the phantom's and the sample sheet's ``lesion_class``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from lesionbench.config import Settings

#: Class index of a case whose label is missing (no lesion, unlabelled): left out of the class loss
#: and of the classification metrics.
UNKNOWN_CLASS = -1


class ClassTarget(Settings):
    """Which case label is the class target, and which of its values is the positive class.

    Attributes:
        label: the case label (``meta/{case}.json`` ``labels``), e.g. ``lesion_class``.
        positive: the label value that is class 1 (paper 001: ``avm``); every other value is class 0.
        positive_name: the name of class 1 in tables and ``volumes.tsv`` (default: ``positive``).
        negative_name: the name of class 0.
    """

    WHERE: ClassVar[str] = "classification"

    label: str
    positive: str
    positive_name: str | None = None
    negative_name: str = "other"

    def class_of(self, labels: Mapping[str, Any]) -> int:
        """1 if ``labels[label]`` is the positive value, 0 for another value, :data:`UNKNOWN_CLASS`
        when the label is missing or empty (``None``, ``""``, ``"none"``)."""
        value = labels.get(self.label)
        if value is None or str(value).strip().lower() in ("", "none", "nan"):
            return UNKNOWN_CLASS
        return int(str(value) == self.positive)

    def name_of(self, index: int) -> str:
        """The display name of class ``index`` (0 or 1)."""
        return (self.positive_name or self.positive) if index == 1 else self.negative_name
