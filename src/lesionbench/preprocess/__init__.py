"""Preprocessing: multi-channel images, resampling, in-plane crop and resize, intensity normalisation,
skull stripping, brain crop."""

from lesionbench.preprocess.case import PREPROCESSED_KEYS, PreprocessError, dilate_mm, load_preprocessed, preprocess_case
from lesionbench.preprocess.lesion_account import LesionAccount, account_lesion
from lesionbench.preprocess.channels import join_channels, read_channels, reference_grid, split_channels
from lesionbench.preprocess.head import head_mask
from lesionbench.preprocess.inplane import InplaneCrop, InplaneSettings, inplane_grid
from lesionbench.preprocess.intensity import NORMALIZERS, window_to_unit
from lesionbench.preprocess.npzfile import NpzFileError, read_npz, write_npz
from lesionbench.preprocess.qc import QC_COLUMNS, preprocess_qc_table, write_preprocess_qc
from lesionbench.preprocess.settings import PreprocessSettings
from lesionbench.preprocess.uncrop import uncrop_to_original

__all__ = [
    "InplaneCrop", "InplaneSettings", "LesionAccount", "NORMALIZERS", "PREPROCESSED_KEYS", "NpzFileError", "PreprocessError", "PreprocessSettings",
    "QC_COLUMNS", "preprocess_qc_table", "write_preprocess_qc",
    "account_lesion", "dilate_mm",
    "head_mask", "inplane_grid", "join_channels", "load_preprocessed", "preprocess_case", "read_channels", "read_npz",
    "reference_grid", "split_channels", "uncrop_to_original",
    "window_to_unit", "write_npz",
]
