"""Volume analysis (paper 002 and what clinicians ask): agreement of predicted and reference
volumes, ABC/2 by volume band, subgroup tables, and lesion geometry for the subgroup flags."""

from lesionbench.volumes.agreement import (
    BlandAltman,
    bland_altman,
    lins_ccc,
    mae,
    pearson,
    rmse,
)
from lesionbench.volumes.bands import BAND_COLUMNS, abc2_by_band, band_labels
from lesionbench.volumes.geometry import (
    GEOMETRY_COLUMNS,
    boundary_distance_mm,
    lesion_geometry,
)
from lesionbench.volumes.tables import (
    ABC2_ROW,
    AGREEMENT_COLUMNS,
    SUBGROUP_COLUMNS,
    agreement_row,
    subgroup_column,
    subgroup_table,
    volume_agreement,
    volume_pairs,
)

__all__ = [
    "ABC2_ROW", "AGREEMENT_COLUMNS", "BAND_COLUMNS", "GEOMETRY_COLUMNS", "SUBGROUP_COLUMNS", "BlandAltman",
    "abc2_by_band", "agreement_row", "band_labels", "bland_altman", "boundary_distance_mm", "lesion_geometry", "lins_ccc", "mae",
    "pearson", "rmse", "subgroup_column", "subgroup_table", "volume_agreement", "volume_pairs",
]
