"""ATLAS R2.0 (chronic stroke, T1-weighted MRI in MNI space, BIDS) with its lesion masks.

Layout of the release (``root`` is its ``Training`` folder; a flat ``root/sub-*`` works too)::

    {root}/R001/sub-r001s001/ses-1/anat/sub-r001s001_ses-1_space-MNI152NLin2009aSym_T1w.nii.gz
    {root}/R001/sub-r001s001/ses-1/anat/sub-r001s001_ses-1_space-MNI152NLin2009aSym_label-L_desc-T1lesion_mask.nii.gz

A case is a subject with a ``desc-T1lesion`` mask (subjects without one, such as the R2.0
test set, are not cases); its id is the BIDS subject (``sub-r001s001``). The cohort folder
(``R001``) becomes the label ``site``. Several lesion masks of one subject are united.
Paper 003 (sections 3.5.1, 4.4.1) trains on this T1 input in the 2.5D layout (samples
``layout: 2.5d``: four adjacent slices as channels).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import SimpleITK as sitk

from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe, require_dir
from lesionbench.datasets.bids import find_files, find_one, subject_dirs

#: cohort folders of the release.
SITE_PATTERN = re.compile(r"^R\d+$")
LESION = {"desc": "T1lesion"}


class Atlas(Recipe):
    """ATLAS R2.0 recipe; source ``{kind: atlas, root: PATH}``."""

    kind = "atlas"
    modality = "MR"
    source_keys = {"root": ...}
    source_docs = {"root": "folder of the ATLAS R2.0 release (the cohort folders R001, R002, ...)"}

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        settings["root"] = Path(settings["root"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        root = require_dir(settings["root"], "ATLAS R2.0 Training folder (R*/sub-*/ or sub-*/)")
        cases = [d.name for d in self._subject_dirs(root).values() if find_files(d, d.name, "mask", **LESION)]
        if not cases:
            raise DatasetError(f"{root}: no sub-* folder with a *_desc-T1lesion_mask.nii.gz found (in R*/ or directly)")
        return cases

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        root = settings["root"]
        folder = self._subject_dirs(require_dir(root, "ATLAS R2.0 Training folder")).get(case)
        if folder is None:
            raise FileNotFoundError(f"{root}: no folder {case} (in R*/ or directly)")
        masks = find_files(folder, case, "mask", **LESION)
        if not masks:
            raise FileNotFoundError(f"{folder}: no lesion mask ({case}_*_desc-T1lesion_mask.nii.gz)")
        return CaseFiles(images={"t1w": find_one(folder, case, "T1w", "T1w")}, mask=masks)

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: sitk.Image) -> CaseLabels:
        site = files.images["t1w"].relative_to(settings["root"]).parts[0]
        return CaseLabels(labels={"site": site} if SITE_PATTERN.match(site) else {})

    @staticmethod
    def _subject_dirs(root: Path) -> dict[str, Path]:
        """Subject folder by name: ``root/sub-*`` and ``root/R*/sub-*``.

        Raises:
            DatasetError: a subject appears in two cohort folders.
        """
        found: dict[str, Path] = {}
        folders = [root] + sorted(p for p in root.iterdir() if p.is_dir() and SITE_PATTERN.match(p.name))
        for folder in folders:
            for subject in subject_dirs(folder):
                if subject.name in found:
                    raise DatasetError(f"{root}: {subject.name} appears in {found[subject.name]} and {subject}")
                found[subject.name] = subject
        return dict(sorted(found.items()))
