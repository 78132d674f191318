"""ISLES'22 (acute ischemic stroke MRI, BIDS): DWI, ADC and FLAIR as channels on the DWI grid.

Layout (the challenge release and its one-case sample)::

    {root}/rawdata/sub-strokecaseNNNN/ses-NNNN/[dwi/|anat/]sub-..._ses-..._{dwi,adc,FLAIR}.nii.gz
    {root}/derivatives/sub-strokecaseNNNN/ses-NNNN/sub-..._ses-..._msk.nii.gz

A case is a subject with a lesion mask in ``derivatives``; its id is the BIDS subject
(``sub-strokecase0009``), the dataset's own public id. The channels (default DWI, ADC,
FLAIR) are stacked in the configured order on the DWI grid, whichever channels are chosen:
FLAIR (another resolution and field of view) is resampled onto it linearly, and the mask
must lie on it.
The JSON sidecars are not read: they hold patient age, sex and weight.
Intensities stay as stored (no CT windowing); preprocess z-scores them within the head
(``normalize: zscore_head``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lesionbench.datasets.base import CaseFiles, DatasetError, Recipe, require_dir
from lesionbench.datasets.bids import find_files, find_one, subject_dirs

#: channel name -> BIDS suffix.
CHANNEL_SUFFIXES = {"dwi": "dwi", "adc": "adc", "flair": "FLAIR"}


class Isles22(Recipe):
    """ISLES'22 recipe; source ``{kind: isles22, root: PATH, channels: [dwi, adc, flair]}``."""

    kind = "isles22"
    modality = "MR"
    source_keys = {"root": ..., "channels": ["dwi", "adc", "flair"]}
    source_docs = {"root": "folder of the ISLES'22 BIDS release", "channels": "input channels in this order (dwi, adc, flair; at least one)"}

    def parse_source(self, source):  # noqa: D102 (documented on Recipe)
        settings = super().parse_source(source)
        channels = settings["channels"]
        if (not isinstance(channels, (list, tuple)) or not channels
                or any(c not in CHANNEL_SUFFIXES for c in channels) or len(set(channels)) != len(channels)):
            raise DatasetError(f"isles22 source: channels must be distinct names from {sorted(CHANNEL_SUFFIXES)}, "
                               f"got {channels!r}")
        settings["root"] = Path(settings["root"])
        return settings

    def list_cases(self, settings: dict[str, Any]) -> list[str]:
        raw = require_dir(settings["root"] / "rawdata", "ISLES'22 rawdata/ with sub-*/ folders")
        derivatives = require_dir(settings["root"] / "derivatives", "ISLES'22 derivatives/ with the lesion masks")
        cases = [d.name for d in subject_dirs(raw) if (derivatives / d.name).is_dir()
                 and find_files(derivatives / d.name, d.name, "msk")]
        if not cases:
            raise DatasetError(f"{raw}: no subject with a lesion mask under {derivatives}")
        return cases

    def files(self, settings: dict[str, Any], case: str) -> CaseFiles:
        root = settings["root"]
        subject_raw = require_dir(root / "rawdata" / case, f"raw images of {case}")
        found = {name: find_one(subject_raw, case, suffix, name.upper())
                 for name, suffix in CHANNEL_SUFFIXES.items() if name in settings["channels"] or name == "dwi"}
        subject_derivatives = require_dir(root / "derivatives" / case, f"lesion mask of {case}")
        return CaseFiles(images={name: found[name] for name in settings["channels"]},
                         mask=[find_one(subject_derivatives, case, "msk", "lesion mask")], grid=found["dwi"])
