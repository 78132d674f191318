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

from lesionbench.datasets.atlas import Atlas, AtlasR1
from lesionbench.datasets.base import CaseFiles, CaseLabels, DatasetError, Recipe
from lesionbench.datasets.ct_ich import CtIch
from lesionbench.datasets.covid_semiseg import CovidSemiSeg2d
from lesionbench.datasets.isles15 import Isles15
from lesionbench.datasets.isles22 import Isles22
from lesionbench.datasets.phantom_mr import MriPhantomCases
from lesionbench.datasets.sample_sheet import SampleSheet, read_sheet

#: source kind -> recipe.
RECIPES: dict[str, Recipe] = {
    recipe.kind: recipe for recipe in (CtIch(), Isles22(), Isles15(), Atlas(), AtlasR1(), CovidSemiSeg2d(),
                                       SampleSheet())
}
#: recipes of cases the workflow generates itself (the source the configuration names is the
#: generator's settings; the recipe's is the generated folder): reachable by :func:`get_recipe`
#: and ``lesionbench dataset ingest``, never a configuration source kind.
GENERATED_RECIPES: dict[str, Recipe] = {recipe.kind: recipe for recipe in (MriPhantomCases(),)}


def get_recipe(kind: str) -> Recipe:
    """The recipe registered as ``kind`` (or a generated source's); ``KeyError`` lists the valid kinds."""
    try:
        return RECIPES[kind] if kind in RECIPES else GENERATED_RECIPES[kind]
    except KeyError:
        raise KeyError(f"unknown dataset kind {kind!r}; valid kinds are {sorted(RECIPES)} "
                       f"(and the workflow's generated {sorted(GENERATED_RECIPES)})") from None


__all__ = [
    "GENERATED_RECIPES", "RECIPES", "Atlas", "AtlasR1", "CaseFiles", "CaseLabels", "CovidSemiSeg2d", "CtIch", "DatasetError",
    "Isles15", "Isles22", "MriPhantomCases", "Recipe", "SampleSheet", "get_recipe", "read_sheet",
]
