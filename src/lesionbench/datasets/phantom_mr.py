"""The T1 MRI phantom's generated cases as an ingest source (the NIfTI recipe path).

The workflow's ``source: {kind: phantom_mr, ...}`` (:class:`lesionbench.config.workflow.MriPhantomSource`)
generates one case per job into ``results/{dataset}/raw/mr/`` (:func:`lesionbench.phantom.mri.generate_case`:
``images/{case}.nii.gz``, ``masks/{case}.nii.gz``, ``brain/{case}.nii.gz``, ``cases/{case}.json``).
This recipe, whose source is that folder (``{"root": ...}``), ingests a case like any other NIfTI
dataset (:meth:`lesionbench.datasets.base.Recipe.ingest`): the float32 T1 image, the lesion mask
checked to lie on its grid, and the metadata, whose labels add the truth JSON's ``n_lesions``,
``lesion_kind`` (``cortical``, ``subcortical``, ``mixed`` or ``none``) and ``slices_with_lesion``
to ``has_lesion`` and ``lesion_volume_ml``. It is not a configuration source kind itself
(:data:`lesionbench.datasets.RECIPES`), only reachable with ``lesionbench dataset ingest --kind
phantom_mr``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import SimpleITK as sitk

from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe, require_dir, require_file
from lesionbench.phantom.mri.case import case_paths
from lesionbench.phantom.mri.dataset import case_label


class MriPhantomCases(Recipe):
    """Generated T1 MRI phantom cases; source ``{kind: phantom_mr, root: FOLDER}`` (the generator's output)."""

    kind = "phantom_mr"
    modality = "MR"
    source_keys = {"root": ...}
    source_docs = {"root": "the folder lesionbench.phantom.mri wrote (images/, masks/, brain/, cases/)"}

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        settings["root"] = Path(settings["root"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        folder = require_dir(settings["root"] / "cases", "MRI phantom truth JSONs, cases/{case}.json")
        cases = sorted(path.stem for path in folder.glob("*.json"))
        if not cases:
            raise DatasetError(f"{folder}: holds no case JSON")
        return cases

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        paths = case_paths(settings["root"], case)
        return CaseFiles(images={"t1w": require_file(paths["image"], f"T1 image of {case}")},
                         mask=[require_file(paths["mask"], f"lesion mask of {case}")],
                         extra={"truth": require_file(paths["case"], f"truth JSON of {case}")})

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: sitk.Image) -> CaseLabels:
        path = files.extra["truth"]
        try:
            truth = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise DatasetError(f"{path}: not valid JSON ({error})") from error
        missing = [key for key in ("case_id", "n_lesions", "lesion_kinds", "slices_with_lesion") if key not in truth]
        if missing:
            raise DatasetError(f"{path}: truth JSON lacks {missing}")
        if truth["case_id"] != case:
            raise DatasetError(f"{path}: the truth of case {truth['case_id']!r}, not {case!r}")
        return CaseLabels(labels={"n_lesions": int(truth["n_lesions"]),
                                  "lesion_kind": case_label(truth["lesion_kinds"]),
                                  "slices_with_lesion": int(truth["slices_with_lesion"])})
