# Configuration validation, case tables and input functions. No computation lives here:
# every rule calls one `lesionbench` subcommand (the package in src/ does the work).
import json
import os
import sys

from snakemake.utils import validate


validate(config, schema="../schemas/config.schema.yaml")

RESULTS = config.get("results", "results")
# Rules run `python -m lesionbench` from this checkout's src/, in whatever environment the rule
# runs in (the local install, or the conda env of envs/lesionbench.yaml with --sdm conda).
_SRC = os.path.join(workflow.basedir, "src")
# Snakemake formats the prefix like a shell command: doubled braces are literal braces.
shell.prefix(f"export PYTHONPATH={_SRC}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")
CONDA_ENV = "../../envs/lesionbench.yaml"

# Experiment sets expand into experiments and comparisons (lesionbench.workflow, tested there).
sys.path.insert(0, _SRC)
from lesionbench.workflow import resolve_config  # noqa: E402

config.update(resolve_config(config, workflow.basedir))


wildcard_constraints:
    dataset=r"[A-Za-z0-9_]+",
    case=r"[A-Za-z0-9_.-]+",
    experiment=r"[A-Za-z0-9_]+",
    comparison=r"[A-Za-z0-9_]+",
    fold=r"\d+",


def dataset_config(dataset):
    return config["datasets"][dataset]


def case_ids(dataset):
    """Case ids of a dataset, known before any job runs (DESIGN.md: one job per case)."""
    source = dataset_config(dataset)["source"]
    return CASE_SOURCES[source["kind"]](source)


def phantom_case_ids(source):
    return [f"ph{index:03d}" for index in range(source["cases"])]


#: source kind -> function listing the case ids. Issue 3 adds sample sheets and recipes.
CASE_SOURCES = {"phantom": phantom_case_ids}


def folds_of(dataset):
    return list(range(dataset_config(dataset)["folds"]["k"]))


def as_json(value):
    """A config section as compact JSON: rules pass it to the CLI and Snakemake's params
    trigger reruns only when this section (not the rest of the config) changes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def experiment_settings(experiment):
    """The parts of an experiment that change its model: network, loss, train, predict."""
    e = config["experiments"][experiment]
    return as_json({key: e[key] for key in ("network", "loss", "train", "predict") if key in e})


def dataset_of(experiment):
    return config["experiments"][experiment]["dataset"]


def comparison_of(wildcards):
    return config["comparisons"][wildcards.dataset][wildcards.comparison]


def all_outputs():
    outputs = []
    for dataset, named in config["comparisons"].items():
        for comparison in named:
            outputs += [
                f"{RESULTS}/{dataset}/stats/{comparison}/tests.tsv",
                f"{RESULTS}/{dataset}/stats/{comparison}/table.md",
                f"{RESULTS}/{dataset}/figures/{comparison}",
                f"{RESULTS}/{dataset}/stats/{comparison}/complexity.tsv",
            ]
    return outputs


def R(path):
    """A path below results/{dataset}/ (the dataset stays a wildcard)."""
    return os.path.join(RESULTS, "{dataset}", path)


def LOG(name):
    return os.path.join(RESULTS, "{dataset}", "logs", name)


def BENCH(name):
    return os.path.join(RESULTS, "{dataset}", "benchmarks", name)


def layout_of(dataset):
    return dataset_config(dataset)["samples"]["layout"]


def all_cases(pattern):
    """Input function: ``pattern`` (a path below results/{dataset}) for every case."""

    def expand_cases(wildcards):
        dataset = wildcards.dataset
        return [
            os.path.join(RESULTS, dataset, pattern.format(case=case, layout=layout_of(dataset)))
            for case in case_ids(dataset)
        ]

    return expand_cases


# ---- used by phantom.smk

def phantom_source(wildcards):
    source = dataset_config(wildcards.dataset)["source"]
    if source["kind"] != "phantom":
        raise ValueError(f"dataset {wildcards.dataset} is not a phantom dataset")
    return source


# ---- used by ingest.smk

def ingest_inputs(wildcards):
    """Raw inputs of one case, by the dataset's source kind."""
    kind = dataset_config(wildcards.dataset)["source"]["kind"]
    return INGEST_INPUTS[kind](wildcards)


def phantom_ingest_inputs(wildcards):
    root = os.path.join(RESULTS, wildcards.dataset, "raw")
    return {
        "dicom": os.path.join(root, "dicom", wildcards.case),
        "mask": os.path.join(root, "masks", f"{wildcards.case}.nii.gz"),
        "labels": os.path.join(root, "cases", f"{wildcards.case}.json"),
    }


#: source kind -> input function of the ingest rule.
INGEST_INPUTS = {"phantom": phantom_ingest_inputs}


# ---- used by train.smk

def augmented_fold(wildcards):
    dataset = dataset_of(wildcards.experiment)
    if dataset != wildcards.dataset:
        raise ValueError(f"experiment {wildcards.experiment} belongs to dataset {dataset}")
    layout = layout_of(dataset)
    return os.path.join(RESULTS, dataset, "augmented", layout, f"fold-{wildcards.fold}.npz")


def predict_settings(wildcards):
    """The experiment's settings, with the network input size taken from the dataset's samples."""
    settings = json.loads(experiment_settings(wildcards.experiment))
    settings.setdefault("predict", {})["size"] = dataset_config(wildcards.dataset)["samples"]["size"]
    return as_json(settings)


# ---- used by evaluate.smk

def prediction_dirs(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "predictions", wildcards.experiment, f"fold-{fold}")
        for fold in folds_of(wildcards.dataset)
    ]


# ---- used by compare.smk

def metric_tables(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "metrics", f"{experiment}.tsv")
        for experiment in comparison_of(wildcards)["experiments"]
    ]


def compare_settings(wildcards):
    return as_json(comparison_of(wildcards)["compare"])


def figure_settings(wildcards):
    settings = dict(comparison_of(wildcards)["compare"])
    settings.update(dataset_config(wildcards.dataset).get("figures", {}))
    return as_json(settings)


def complexity_networks(wildcards):
    """The network section of every compared experiment (what the complexity table measures)."""
    experiments = comparison_of(wildcards)["experiments"]
    return as_json({name: {"network": config["experiments"][name]["network"]} for name in experiments})


def input_channels(dataset):
    """Channels the networks of a dataset see: the image channels, times 4 for the 2.5D layout."""
    channels = dataset_config(dataset).get("channels", 1)
    return channels * (4 if layout_of(dataset) == "2.5d" else 1)


def model_folders(kind):
    def folders(wildcards):
        return [os.path.join(RESULTS, wildcards.dataset, kind, e) for e in comparison_of(wildcards)["experiments"]]

    return folders


def all_histories(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "models", e, f"fold-{fold}", "history.tsv")
        for e in comparison_of(wildcards)["experiments"]
        for fold in folds_of(wildcards.dataset)
    ]


def all_prediction_dirs(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "predictions", e, f"fold-{fold}")
        for e in comparison_of(wildcards)["experiments"]
        for fold in folds_of(wildcards.dataset)
    ]

