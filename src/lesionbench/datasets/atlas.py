"""ATLAS (chronic stroke, T1-weighted MRI in MNI space) with its lesion masks: R2.0 and R1.x.

Layout of the R2.0 release (``atlas``) (``root`` is its ``Training`` folder; a flat ``root/sub-*`` works too)::

    {root}/R001/sub-r001s001/ses-1/anat/sub-r001s001_ses-1_space-MNI152NLin2009aSym_T1w.nii.gz
    {root}/R001/sub-r001s001/ses-1/anat/sub-r001s001_ses-1_space-MNI152NLin2009aSym_label-L_desc-T1lesion_mask.nii.gz

A case is a subject with a ``desc-T1lesion`` mask (subjects without one, such as the R2.0
test set, are not cases); its id is the BIDS subject (``sub-r001s001``). The cohort folder
(``R001``) becomes the label ``site``. Several lesion masks of one subject are united.
Paper 003 (thesis sections 3.5.1, 4.4.1) trains on this T1 input in the 2.5D layout (samples
``layout: 2.5d``: four adjacent slices as channels).

Layout of the R1.1 / R1.2 release (``atlas_r1``; ``root`` is the ``ATLAS_R1.1`` folder)::

    {root}/Site1/031768/t01/031768_t1w_deface_stx.nii.gz
    {root}/Site1/031768/t01/031768_LesionSmooth_stx.nii.gz
    {root}/Site1/031768/t01/031768_LesionSmooth_1_stx.nii.gz       (a second lesion, if any)

The 229 cases of paper 003 (thesis sections 3.5.1, 4.4.1: 197 x 233 x 189 voxels at 1 mm) and
of D-UNet, X-Net and CLCI-Net: a case is a subject folder with a ``t01`` T1, its id the
subject's number, its label ``site`` the ``Site*`` folder; every ``*_LesionSmooth*_stx`` mask of
the case is read and united, as D-UNet's protocol merges them. Later time points are not read.
Where only R2.0 is at hand, ``atlas`` with ``subset: 229`` draws a seeded set of 229 of its 655
cases instead (docs/paper003.md, B-5): the same size and site mix in expectation, not the same
subjects.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import SimpleITK as sitk

from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe, natural_key, require_dir
from lesionbench.datasets.bids import find_files, find_one, subject_dirs

#: cohort folders of the release.
SITE_PATTERN = re.compile(r"^R\d+$")
LESION = {"desc": "T1lesion"}
#: R1.x: site folders, and the T1 and lesion masks of subject ``{s}`` in its ``t01`` folder.
R1_SITE_PATTERN = re.compile(r"^Site\d+$")
R1_T1 = "{s}_t1w_deface_stx.nii.gz"
R1_LESIONS = "{s}_LesionSmooth*_stx.nii.gz"


class Atlas(Recipe):
    """ATLAS R2.0 recipe; source ``{kind: atlas, root: PATH, subset: 0, subset_seed: 0}``."""

    kind = "atlas"
    modality = "MR"
    source_keys = {"root": ..., "subset": 0, "subset_seed": 0}
    source_docs = {
        "root": "folder of the ATLAS R2.0 release (the cohort folders R001, R002, ...)",
        "subset": "keep this many cases, drawn with subset_seed from the sorted case list (0: all); "
                  "229 stands in for paper 003's R1.x set (docs/paper003.md, B-5)",
        "subset_seed": "seed of the subset draw",
    }

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        for key in ("subset", "subset_seed"):
            if isinstance(settings[key], bool) or not isinstance(settings[key], int) or settings[key] < 0:
                raise DatasetError(f"atlas source: {key} must be a whole number >= 0, got {settings[key]!r}")
        settings["root"] = Path(settings["root"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        """The subjects with a lesion mask, sorted; ``subset`` of them drawn with ``subset_seed``, sorted.

        Raises:
            DatasetError: no case, or fewer cases than ``subset``.
        """
        root = require_dir(settings["root"], "ATLAS R2.0 Training folder (R*/sub-*/ or sub-*/)")
        cases = [d.name for d in self._subject_dirs(root).values() if find_files(d, d.name, "mask", **LESION)]
        if not cases:
            raise DatasetError(f"{root}: no sub-* folder with a *_desc-T1lesion_mask.nii.gz found (in R*/ or directly)")
        if settings["subset"]:
            if settings["subset"] > len(cases):
                raise DatasetError(f"{root}: subset {settings['subset']} asks for more than the {len(cases)} cases")
            cases = sorted(random.Random(settings["subset_seed"]).sample(cases, settings["subset"]))
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


class AtlasR1(Recipe):
    """ATLAS R1.1 / R1.2 recipe (paper 003's 229 cases); source ``{kind: atlas_r1, root: PATH}``."""

    kind = "atlas_r1"
    modality = "MR"
    source_keys = {"root": ...}
    source_docs = {"root": "the ATLAS_R1.1 (or R1.2) folder holding Site1, Site2, ... (Site*/SUBJECT/t01/)"}

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        settings["root"] = Path(settings["root"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        root = require_dir(settings["root"], "ATLAS R1.x folder (Site*/<subject>/t01/)")
        cases = list(self._subject_dirs(root))
        if not cases:
            raise DatasetError(f"{root}: no Site*/<subject>/t01/<subject>_t1w_deface_stx.nii.gz found")
        return cases

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        root = settings["root"]
        folder = self._subject_dirs(require_dir(root, "ATLAS R1.x folder")).get(case)
        if folder is None:
            raise FileNotFoundError(f"{root}: no Site*/{case}/t01/{R1_T1.format(s=case)}")
        masks = sorted(folder.glob(R1_LESIONS.format(s=case)), key=lambda p: p.name)
        if not masks:
            raise FileNotFoundError(f"{folder}: no lesion mask ({R1_LESIONS.format(s=case)})")
        return CaseFiles(images={"t1w": folder / R1_T1.format(s=case)}, mask=masks)

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: sitk.Image) -> CaseLabels:
        return CaseLabels(labels={"site": files.images["t1w"].relative_to(settings["root"]).parts[0]})

    @staticmethod
    def _subject_dirs(root: Path) -> dict[str, Path]:
        """The ``t01`` folder by subject: ``root/Site*/<subject>/t01`` holding the subject's T1.

        Raises:
            DatasetError: a subject appears in two site folders.
        """
        found: dict[str, Path] = {}
        sites = sorted((p for p in root.iterdir() if p.is_dir() and R1_SITE_PATTERN.match(p.name)),
                       key=lambda p: natural_key(p.name))
        for site in sites:
            for subject in sorted(p for p in site.iterdir() if p.is_dir()):
                folder = subject / "t01"
                if not (folder / R1_T1.format(s=subject.name)).is_file():
                    continue
                if subject.name in found:
                    raise DatasetError(f"{root}: {subject.name} appears in {found[subject.name].parent} and {subject}")
                found[subject.name] = folder
        return dict(sorted(found.items()))
