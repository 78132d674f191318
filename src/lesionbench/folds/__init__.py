"""Patient-level, stratified, seeded cross-validation folds."""

from lesionbench.folds.cases import cases_from_json, cases_from_tsv
from lesionbench.folds.read import FoldsFileError, read_fold, read_test_set
from lesionbench.folds.split import FoldsError, hold_out, make_folds, stratum_keys, write_folds

__all__ = [
    "FoldsError", "FoldsFileError", "cases_from_json", "cases_from_tsv", "hold_out", "make_folds", "read_fold",
    "read_test_set", "stratum_keys", "write_folds",
]
