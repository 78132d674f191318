"""Report captions: the reStructuredText files of ``workflow/report/`` come from the package.

The captions live next to the code that computes each table and figure
(:mod:`lesionbench.stats.captions`, :mod:`lesionbench.figures.captions`); Snakemake needs them as
files, so ``python -m lesionbench.workflow.captions workflow/report`` writes them, and a unit
test checks that the committed files are current.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lesionbench.figures.captions import FIGURE_CAPTIONS
from lesionbench.stats.captions import TABLE_CAPTIONS

#: compare outputs declared as report items in workflow/rules/compare.smk:
#: output name -> (file name in stats/{comparison}/, caption key).
REPORTED_TABLES = {
    "tests": ("tests.tsv", "tests.tsv"),
    "summary": ("summary.tsv", "summary.tsv"),
    "global_dice": ("global_dice.tsv", "global_dice.tsv"),
    "table": ("table.html", "table_paper000"),
    "friedman": ("friedman.tsv", "friedman.tsv"),
    "posthoc": ("posthoc.tsv", "posthoc.tsv"),
    "ranking": ("ranking.tsv", "ranking.tsv"),
    "ranking_significance": ("ranking_significance.tsv", "ranking_significance.tsv"),
    "volume_agreement": ("volume_agreement.tsv", "volume_agreement.tsv"),
    "abc2_bands": ("abc2_bands.tsv", "abc2_bands.tsv"),
    "volume_subgroups": ("volume_subgroups.tsv", "volume_subgroups.tsv"),
    "classification": ("classification.tsv", "classification.tsv"),
    "auc_tests": ("auc_tests.tsv", "auc_tests.tsv"),
    **{f"table_paper00{i}": (f"table_paper00{i}.html", f"table_paper00{i}") for i in range(5)},
}


def caption_files() -> dict[str, str]:
    """File name -> reStructuredText of every generated caption."""
    files = {}
    for name, (_, key) in REPORTED_TABLES.items():
        text = TABLE_CAPTIONS[key]
        if name == "table":
            text = ("The comparison table in the layout of the first configured table style (paper 000 "
                    "Table 1 by default; every style is also written as ``table_{style}.*``). " + text)
        files[f"stats_{name}.rst"] = text + "\n"
    lines = ["Figures of this comparison, each as PNG and vector PDF:", ""]
    for stem, text in FIGURE_CAPTIONS.items():
        label = f"{stem}{{metric}}" if stem.endswith("_") else stem
        lines += [f"- ``{label}``: {text}"]
    files["figures.rst"] = "\n".join(lines) + "\n"
    return files


def write_caption_files(folder: str | Path) -> list[Path]:
    """Write every caption file into ``folder``."""
    written = []
    for name, text in caption_files().items():
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_caption_files(sys.argv[1] if len(sys.argv) > 1 else "workflow/report"):
        print(path)
