"""Model complexity: trainable parameters, FLOPs and CPU latency (paper 003 table 4.3).

``measure(network_config, in_channels, size)`` measures one network;
``complexity_table(experiments, in_channels, size, out_tsv, out_md)`` writes the table of a
set of experiments.
"""

from lesionbench.complexity.measure import count_flops, count_parameters, measure, time_forward
from lesionbench.complexity.table import TSV_COLUMNS, complexity_table

__all__ = ["TSV_COLUMNS", "complexity_table", "count_flops", "count_parameters", "measure", "time_forward"]
