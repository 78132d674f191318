# lesionbench: from raw DICOM to cross-validated segmentation networks, paired statistics and figures.
# Run:  snakemake --cores 2           (the phantom demo of config.yaml)
#       snakemake --report results/phantom/report.html
from snakemake.utils import min_version

min_version("8.20")


# The embedded demo applies only when no --configfile is given: a user's configuration file
# describes the whole run (its datasets and experiments replace the demo's, they do not join
# them). `--config key=value` alone refines the demo.
if not workflow.configfiles:

    configfile: "config.yaml"



report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/phantom.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/preprocess.smk"
include: "workflow/rules/samples.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/compare.smk"
include: "workflow/rules/bundle.smk"
include: "workflow/rules/test_set.smk"
include: "workflow/rules/segment.smk"


rule all:
    input:
        all_outputs(),
    default_target: True
