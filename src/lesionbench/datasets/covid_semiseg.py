"""COVID-SemiSeg style 2D slices: ``Imgs/*.jpg`` with ``GT/*.png`` infection masks (0/255).

Paper 004 segments COVID-19 lung infection on 2D CT slices (256 x 256). The slices are 8-bit
grey images, not HU: ingest scales them to ``[0, 1]`` (value / 255) and writes each as a
one-slice volume with 1 mm "pixels" (``Z = 1``), so preprocessing needs no window and no
brain mask (``normalize: none``, ``spacing: null``) and metrics are in pixels. A case is one
slice; its id is the file stem (``0``, ``1``, ...), the dataset's own id. Every image needs a
mask and every mask an image (the labelled split); otherwise listing the cases fails.

The slices carry no patient id, so folds cannot keep a patient's slices together: every case's
metadata says so in its warnings (:data:`NO_PATIENT_ID`), and so does the README.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe, natural_key, require_dir

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
#: The warning every case carries: its folds may split a patient's slices.
NO_PATIENT_ID = ("the slices carry no patient id: slices of one patient may fall into different folds "
                 "(training and test), which leaks the patient's appearance into the test set")
MASK_SUFFIXES = (".png",)


class CovidSemiSeg2d(Recipe):
    """2D slice recipe; source ``{kind: covid_semiseg_2d, root: PATH, images: Imgs, masks: GT}``."""

    kind = "covid_semiseg_2d"
    modality = "CT"
    case_is_patient = False  # slices, several per patient, and no patient id
    source_keys = {"root": ..., "images": "Imgs", "masks": "GT"}
    source_docs = {"root": "folder of the labelled split", "images": "subfolder of the slice images under root",
                   "masks": "subfolder of the masks under root (one PNG per image, same stem)"}

    def parse_source(self, source):  # noqa: D102
        settings = super().parse_source(source)
        root = Path(settings["root"])
        settings.update(root=root, images=root / settings["images"], masks=root / settings["masks"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        images = _by_stem(require_dir(settings["images"], "2D image slices (*.jpg|*.png)"), IMAGE_SUFFIXES)
        masks = _by_stem(require_dir(settings["masks"], "2D masks (*.png)"), MASK_SUFFIXES)
        if not images:
            raise DatasetError(f"{settings['images']}: no image slice ({'|'.join(IMAGE_SUFFIXES)}) found")
        for folder, stems, what in ((settings["masks"], set(images) - set(masks), "mask"),
                                    (settings["images"], set(masks) - set(images), "image")):
            if stems:
                names = sorted(stems, key=natural_key)
                raise DatasetError(f"{folder}: no {what} for {len(names)} slice(s): {names[:10]}")
        return sorted(images, key=natural_key)

    def labels(self, settings: dict[str, Any], case: str, files: CaseFiles, mask: Any) -> CaseLabels:
        return CaseLabels(warnings=[NO_PATIENT_ID])

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        image = _by_stem(require_dir(settings["images"], "2D image slices"), IMAGE_SUFFIXES).get(case)
        mask = _by_stem(require_dir(settings["masks"], "2D masks"), MASK_SUFFIXES).get(case)
        if image is None:
            raise FileNotFoundError(f"{settings['images']}: no image {case}{{{','.join(IMAGE_SUFFIXES)}}}")
        if mask is None:
            raise FileNotFoundError(f"{settings['masks']}: no mask {case}.png")
        return CaseFiles(images={"slice": image}, mask=[mask])


def _by_stem(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    """``{stem: path}`` of the files in ``folder`` with one of ``suffixes`` (case-insensitive).

    Raises:
        DatasetError: two files share a stem (``3.jpg`` and ``3.png``).
    """
    out: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in suffixes:
            if path.stem in out:
                raise DatasetError(f"{folder}: {out[path.stem].name} and {path.name} are the same slice")
            out[path.stem] = path
    return out
