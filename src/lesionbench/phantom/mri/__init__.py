"""A synthetic skull-stripped T1 MRI stroke phantom, written as NIfTI with masks.

The MRI counterpart of the head-CT phantom (:mod:`lesionbench.phantom`) for paper 003's
stroke experiments: ATLAS R2.0-like cohorts (Liew et al., Sci Data 2018; 197 x 233 x 189 at
1 mm in an MNI-like frame, 229 cases, 8:2 hold-out) and ISLES 2015 SISS-like cohorts (Maier
et al., MedIA 2017; 230 x 230 x 154 at 1 mm, 28 cases, 5-fold cross-validation; thesis
section 3.5.1), at full size or scaled down for demos.

Public API: :class:`MriPhantomSettings`, :func:`render_case` (in memory), :func:`generate_case`,
:func:`generate_dataset`, :func:`write_sample_sheet`, :func:`split_cases`,
:func:`evaluation_config`. Outputs under ``out``: ``images/{case}.nii.gz`` (float32 T1),
``masks/{case}.nii.gz`` (uint8 lesion), ``brain/{case}.nii.gz`` (uint8 brain),
``cases/{case}.json`` (truth), ``samples.tsv`` (the ``sample_sheet`` recipe's columns) and
``truth.tsv``; case ids ``mr000``, ``mr001``, ...
"""

from lesionbench.phantom.mri.anatomy import TISSUES
from lesionbench.phantom.mri.case import MriCase, MriCaseTruth, case_id, case_paths, generate_case, render_case
from lesionbench.phantom.mri.cohort import evaluation_config, split_cases
from lesionbench.phantom.mri.dataset import SAMPLE_SHEET_COLUMNS, TRUTH_COLUMNS, generate_dataset, write_sample_sheet
from lesionbench.phantom.mri.geometry import COHORTS, Cohort, MriGrid
from lesionbench.phantom.mri.settings import MriPhantomSettings

__all__ = [
    "COHORTS", "SAMPLE_SHEET_COLUMNS", "TISSUES", "TRUTH_COLUMNS", "Cohort", "MriCase", "MriCaseTruth", "MriGrid",
    "MriPhantomSettings", "case_id", "case_paths", "evaluation_config", "generate_case", "generate_dataset",
    "render_case", "split_cases", "write_sample_sheet",
]
