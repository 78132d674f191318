"""ISLES 2015 SISS (sub-acute ischemic stroke MRI): the 28 training cases, T1 by default.

Layout of the SISS training release (``root`` holds the numbered case folders)::

    {root}/1/VSD.Brain.XX.O.MR_T1.70615/VSD.Brain.XX.O.MR_T1.70615.nii
    {root}/1/VSD.Brain.XX.O.MR_T2.70616/...    .MR_Flair.70614/...    .MR_DWI.70613/...
    {root}/1/VSD.Brain_XXO.OT.70618/VSD.Brain_XXO.OT.70618.nii          (the lesion mask)

Every folder of ``root`` holding a ``VSD.*`` file or folder is a case, and must have a T1 and a
mask (the error names the folder that lacks one).

Each case has four co-registered sequences, skull-stripped and resampled to 1 mm, 230 x 230 x
154 voxels (thesis section 3.5.1; Maier et al., Medical Image Analysis 2017). A file is found by
its name anywhere below the case folder: ``.MR_<sequence>.`` for an image, ``.OT.`` for the
mask, as ``.nii``, ``.nii.gz`` or ``.mha`` (SimpleITK reads all three; the first of these that
exists wins where one file comes in several formats). The mask (0/1; any non-zero voxel is
lesion) lies on the T1's grid, which every chosen sequence is checked against.

A case id is ``case`` and the folder's number on two digits (folder ``1`` -> ``case01``), so the
ids sort the same as text and as numbers and no table reads them as numbers; other folder names
are kept. Paper 003 (thesis sections 3.5.1, 4.4.1) uses the T1 only (``sequences: [T1]``, the
default), resized in-plane to 192 x 192 (``preprocess.inplane: {resize: [192, 192]}``,
docs/paper003.md, B-4), in five folds of 6, 6, 6, 5 and 5 cases.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lesionbench.datasets.base import CaseFiles, DatasetError, Recipe, natural_key, require_dir

#: the release's sequence names, in its spelling.
SEQUENCES = ("T1", "T2", "Flair", "DWI")
#: image formats, in order of preference where one file comes in several.
EXTENSIONS = (".nii.gz", ".nii", ".mha")
MASK_PATTERN = re.compile(r"\.OT\.")
T1_PATTERN = re.compile(r"\.MR_T1\.", re.IGNORECASE)


class Isles15(Recipe):
    """ISLES 2015 SISS recipe; source ``{kind: isles15, root: PATH, sequences: [T1]}``."""

    kind = "isles15"
    modality = "MR"
    source_keys = {"root": ..., "sequences": ["T1"]}
    source_docs = {
        "root": "folder of the ISLES 2015 SISS training release (the numbered case folders 1, 2, ..., 28)",
        "sequences": "input channels in this order (T1, T2, Flair, DWI; at least one; paper 003: T1)",
    }

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        sequences = settings["sequences"]
        if (not isinstance(sequences, (list, tuple)) or not sequences
                or any(s not in SEQUENCES for s in sequences) or len(set(sequences)) != len(sequences)):
            raise DatasetError(f"isles15 source: sequences must be distinct names from {list(SEQUENCES)}, "
                               f"got {sequences!r}")
        settings["root"] = Path(settings["root"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        """Every folder of ``root`` holding a ``VSD.*`` entry is a case; each must have a T1 and a mask.

        Raises:
            FileNotFoundError: a case folder without its T1 or lesion mask (naming the folder).
        """
        root = require_dir(settings["root"], "ISLES 2015 SISS training folders 1/ ... 28/")
        folders = self._case_dirs(root)
        if not folders:
            raise DatasetError(f"{root}: no case folder holding VSD.Brain.* images found")
        for folder in folders.values():
            _find(folder, T1_PATTERN, "T1 image (*.MR_T1.*)")
            _find(folder, MASK_PATTERN, "lesion mask (*.OT.*)")
        return list(folders)

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        root = settings["root"]
        folder = self._case_dirs(require_dir(root, "ISLES 2015 SISS training folder")).get(case)
        if folder is None:
            raise FileNotFoundError(f"{root}: no case folder for {case} (with a *.MR_T1.* image)")
        found = {name: _find(folder, re.compile(rf"\.MR_{name}\.", re.IGNORECASE), f"{name} image (*.MR_{name}.*)")
                 for name in dict.fromkeys(["T1", *settings["sequences"]])}
        mask = _find(folder, MASK_PATTERN, "lesion mask (*.OT.*)")
        return CaseFiles(images={name.lower(): found[name] for name in settings["sequences"]}, mask=[mask],
                         grid=found["T1"])

    @staticmethod
    def _case_dirs(root: Path) -> dict[str, Path]:
        """Case folder by case id, in the folders' natural order (a folder counts if it holds a ``VSD.*`` entry)."""
        folders = sorted((p for p in root.iterdir() if p.is_dir() and next(p.rglob("VSD.*"), None) is not None),
                         key=lambda p: natural_key(p.name))
        return {(f"case{int(p.name):02d}" if p.name.isdigit() else p.name): p for p in folders}


def _candidates(folder: Path, pattern: re.Pattern[str]) -> list[Path]:
    """Image files below ``folder`` whose name matches ``pattern``."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and pattern.search(p.name)
                  and p.name.lower().endswith(EXTENSIONS))


def _find(folder: Path, pattern: re.Pattern[str], what: str) -> Path:
    """The one file of :func:`_candidates`, preferring NIfTI over MHA copies of one file.

    Raises:
        FileNotFoundError: none (naming the folder and the pattern).
        DatasetError: several different files.
    """
    found = _candidates(folder, pattern)
    if not found:
        raise FileNotFoundError(f"{folder}: no {what} found (.nii, .nii.gz or .mha)")
    by_stem: dict[str, list[Path]] = {}
    for path in found:
        extension = next(e for e in EXTENSIONS if path.name.lower().endswith(e))
        by_stem.setdefault(str(path.parent / path.name[: -len(extension)]), []).append(path)
    if len(by_stem) > 1:
        raise DatasetError(f"{folder}: {len(by_stem)} {what} files found: {[p.name for p in found]}")
    copies = next(iter(by_stem.values()))
    return min(copies, key=lambda p: next(i for i, e in enumerate(EXTENSIONS) if p.name.lower().endswith(e)))
