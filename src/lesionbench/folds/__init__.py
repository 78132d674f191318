"""Patient-level, stratified, seeded cross-validation folds."""

from lesionbench.folds.cases import cases_from_json, cases_from_tsv
from lesionbench.folds.read import FoldsFileError, read_fold
from lesionbench.folds.split import FoldsError, make_folds, stratum_keys, write_folds

__all__ = [
    "FoldsError", "FoldsFileError", "cases_from_json", "cases_from_tsv", "make_folds", "read_fold", "stratum_keys",
    "write_folds",
]
