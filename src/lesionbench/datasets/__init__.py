"""Dataset recipes: the papers' public datasets and a generic sample sheet, as ingest sources.

``RECIPES[kind]`` is a :class:`Recipe` with

- ``case_ids(source) -> list[str]``: the case ids, read from the folder listing, CSV or sheet
  (cheap: the workflow calls it while it parses);
- ``inputs(source, case) -> {"images": [paths], "mask": path | [paths], ...}``: the raw
  files of one case (the ingest rule's inputs);
- ``ingest(source, case, out_image, out_mask, out_meta, salt)``: writes the ingest outputs of
  docs/file-formats.md (several channels as one 4D NIfTI ``(X, Y, Z, C)``).

``source`` is the dataset's ``source`` mapping from the config (``kind`` plus the recipe's keys).
"""

from lesionbench.datasets.atlas import Atlas
from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe
from lesionbench.datasets.ct_ich import CtIch
from lesionbench.datasets.covid_semiseg import CovidSemiSeg2d
from lesionbench.datasets.isles22 import Isles22
from lesionbench.datasets.sample_sheet import SampleSheet, read_sheet

#: source kind -> recipe.
RECIPES: dict[str, Recipe] = {
    recipe.kind: recipe for recipe in (CtIch(), Isles22(), Atlas(), CovidSemiSeg2d(), SampleSheet())
}


def get_recipe(kind: str) -> Recipe:
    """The recipe registered as ``kind``; ``KeyError`` lists the valid kinds."""
    try:
        return RECIPES[kind]
    except KeyError:
        raise KeyError(f"unknown dataset kind {kind!r}; valid kinds are {sorted(RECIPES)}") from None


__all__ = [
    "RECIPES", "Atlas", "CaseFiles", "CaseLabels", "CovidSemiSeg2d", "CtIch", "DatasetError", "Isles22",
    "Recipe", "SampleSheet", "get_recipe", "read_sheet",
]
