# Configuration validation, case tables and input functions. No computation lives here:
# every rule calls one `lesionbench` subcommand (the package in src/ does the work).
import json
import os
import re
import shlex
import sys
from typing import Callable, NamedTuple

RESULTS = config.get("results", "results")
# Rules run `python -m lesionbench` from this checkout's src/, in whatever environment the rule
# runs in (the local install, or the conda env of envs/lesionbench.yaml with --sdm conda).
_SRC = os.path.join(workflow.basedir, "src")
# Snakemake formats the prefix like a shell command: doubled braces are literal braces.
shell.prefix(f"export PYTHONPATH={_SRC}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")
CONDA_ENV = "../../envs/lesionbench.yaml"

# The configuration is checked against the typed settings of lesionbench.config (the models the
# stages use and workflow/schemas/config.schema.yaml is generated from) before any job runs, and
# its experiment sets expand into experiments and comparisons (lesionbench.workflow).
sys.path.insert(0, _SRC)
from lesionbench.config import SettingsError  # noqa: E402
from lesionbench.config.workflow import (  # noqa: E402
    GENERATED_KINDS,
    check_config,
    config_warnings,
    fold_group,
    ingest_owner,
    segmenting,
)
from lesionbench.datasets import RECIPES  # noqa: E402
from lesionbench.workflow.captions import REPORTED_TABLES  # noqa: E402

try:
    config.update(check_config(config, workflow.basedir))
except (SettingsError, FileNotFoundError) as error:
    sys.exit(f"lesionbench: invalid configuration: {error}")
for _warning in config_warnings(config):
    print(f"lesionbench: warning: {_warning}", file=sys.stderr)


wildcard_constraints:
    dataset=r"[A-Za-z0-9_]+",
    case=r"[A-Za-z0-9_.-]+",
    experiment=r"[A-Za-z0-9_]+",
    comparison=r"[A-Za-z0-9_]+",
    fold=r"\d+",


def dataset_config(dataset):
    return config["datasets"][dataset]


#: Prefix of the cases of a separate test source (datasets.<d>.test.source), so their ids
#: never collide with the training source's.
TEST_PREFIX = "test_"


def owner_of(dataset):
    """The dataset that converts ``dataset``'s cases: itself, or the one its shared source names."""
    return ingest_owner(config, dataset)


#: What ingest_case and compute_brain_mask write below results/{dataset}/: a dataset with a
#: shared source (``source: {kind: dataset}``) reads these from the owner's folder.
INGESTED = ("images/", "masks/", "meta/ingest/", "brain/", "raw/")


def dataset_path(dataset, path):
    """``results/{dataset}/{path}``, or the owner's folder for what ingestion writes."""
    return os.path.join(RESULTS, owner_of(dataset) if path.startswith(INGESTED) else dataset, path)


def ingested(pattern):
    """Input function: one case's ingest output (``pattern`` below results/{dataset})."""
    return lambda wildcards: dataset_path(wildcards.dataset, pattern.format(case=wildcards.case))


def ingested_dir(name):
    """Params function: the folder of an ingest output (``images``, ``masks``, ``brain``)."""
    return lambda wildcards: os.path.join(RESULTS, owner_of(wildcards.dataset), name)


def case_ids(dataset):
    """Case ids of a dataset, known before any job runs (one job per case): the source's and,
    with a separate test source, its cases as ``test_<id>``; a shared source's are its owner's."""
    if owner_of(dataset) != dataset:
        return case_ids(owner_of(dataset))
    source = dataset_config(dataset)["source"]
    ids = SOURCE_KINDS[source["kind"]].case_ids(source)
    test_source = (dataset_config(dataset).get("test") or {}).get("source")
    if test_source is not None:
        ids += [TEST_PREFIX + case for case in SOURCE_KINDS[test_source["kind"]].case_ids(test_source)]
    return ids


def case_source(dataset, case):
    """``(source, the case's id in that source)``: a separate test source's case or the dataset's."""
    test_source = (dataset_config(dataset).get("test") or {}).get("source")
    if test_source is not None and case.startswith(TEST_PREFIX):
        return test_source, case.removeprefix(TEST_PREFIX)
    return dataset_config(dataset)["source"], case


def fixed_test_cases(dataset):
    """The held-out test cases known before any job: a separate test source's, or the phantom's
    ``test_cases`` (the last ones). A ``test: {fraction}`` set is drawn by make_folds instead."""
    if owner_of(dataset) != dataset and not (dataset_config(dataset).get("test") or {}).get("fraction"):
        return fixed_test_cases(owner_of(dataset))
    d = dataset_config(dataset)
    if (d.get("test") or {}).get("source") is not None:
        return [case for case in case_ids(dataset) if case.startswith(TEST_PREFIX)]
    if d["source"]["kind"] not in GENERATED_KINDS or not d["source"].get("test_cases", 0):
        return []
    return case_ids(dataset)[d["source"]["cases"]:]


def has_test_set(dataset):
    return bool(fixed_test_cases(dataset)) or (dataset_config(dataset).get("test") or {}).get("fraction") is not None


def folds_test_arguments(wildcards):
    """make_folds' held-out test set: ``--test-cases ...`` or ``--test-fraction F --test-seed S``."""
    fixed = fixed_test_cases(wildcards.dataset)
    if fixed:
        return "--test-cases " + " ".join(shlex.quote(case) for case in fixed)
    test = dataset_config(wildcards.dataset).get("test") or {}
    if test.get("fraction") is not None:
        return f"--test-fraction {test['fraction']} --test-seed {test.get('seed', 0)}"
    return ""


def folds_of(dataset):
    return list(range(dataset_config(dataset)["folds"]["k"]))


def as_json(value):
    """A config section as compact JSON: rules pass it to the CLI and Snakemake's params
    trigger reruns only when this section (not the rest of the config) changes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def experiment_augment(experiment):
    """The dataset's augment section refined by the experiment's (mappings merge)."""
    from lesionbench.workflow import deep_merge

    e = config["experiments"][experiment]
    return deep_merge(dataset_config(e["dataset"])["augment"], e.get("augment", {}))


def training_settings(experiment):
    """What changes an experiment's trained weights: network, loss, train, its augmentation and
    how batches draw from the samples. Prediction settings are left out: changing them reruns
    prediction, not training."""
    e = config["experiments"][experiment]
    samples = dataset_config(e["dataset"])["samples"]
    classification = dataset_config(e["dataset"]).get("classification")
    return as_json({
        "network": e["network"], "loss": e["loss"], "train": e["train"],
        "augment": experiment_augment(experiment),
        "foreground_fraction": samples.get("foreground_fraction"),
        **({"classification": classification} if classification else {}),
    })


def resampling_section(dataset):
    return dataset_config(dataset).get("resampling", {})


def preprocess_settings(wildcards):
    return as_json({**dataset_config(wildcards.dataset)["preprocess"], "resampling": resampling_section(wildcards.dataset)})


def sample_settings(wildcards):
    """The samples section without what only training reads, plus the dataset's resampling."""
    from lesionbench.samples import PREDICTION_ONLY_KEYS, TRAINING_ONLY_KEYS

    left_out = TRAINING_ONLY_KEYS + PREDICTION_ONLY_KEYS
    samples = {k: v for k, v in dataset_config(wildcards.dataset)["samples"].items() if k not in left_out}
    return as_json({**samples, "resampling": resampling_section(wildcards.dataset)})


def dataset_of(experiment):
    return config["experiments"][experiment]["dataset"]


#: compare outputs shown in the report (name -> file); captions in workflow/report/stats_{name}.rst.
REPORTED_STATS = {name: filename for name, (filename, _) in REPORTED_TABLES.items()}


def comparison_of(wildcards):
    return config["comparisons"][wildcards.dataset][wildcards.comparison]


def all_outputs():
    outputs = []
    for dataset, named in config["comparisons"].items():
        for comparison in named:
            stats = f"{RESULTS}/{dataset}/stats/{comparison}"
            outputs += [f"{stats}/{filename}" for filename in REPORTED_STATS.values()]
            outputs += [f"{stats}/table.md", f"{stats}/complexity.tsv", f"{RESULTS}/{dataset}/figures/{comparison}"]
        outputs.append(f"{RESULTS}/{dataset}/qc/preprocess.tsv")
    for name, experiment in config["experiments"].items():
        root = f"{RESULTS}/{experiment['dataset']}"
        test = has_test_set(experiment["dataset"])
        outputs += [f"{root}/metrics/{name}.tsv"] + ([f"{root}/test/metrics/{name}.tsv"] if test else [])
        if segmenting(config, name):  # a classifier has no label maps: no post-processing, no bundle
            outputs += [f"{root}/models/{name}/model.json", f"{root}/metrics/postprocessed/{name}.tsv"]
            outputs += [f"{root}/test/metrics/postprocessed/{name}.tsv"] if test else []
    for dataset, named in config["comparisons"].items():
        if has_test_set(dataset):
            for comparison in named:
                stats = f"{RESULTS}/{dataset}/test/stats/{comparison}"
                outputs += [f"{stats}/{filename}" for filename in REPORTED_STATS.values()]
                outputs += [f"{stats}/table.md", f"{RESULTS}/{dataset}/test/figures/{comparison}"]
    for name in segment_sets():
        outputs += [f"{RESULTS}/{name}/segment/{experiment}/volumes.tsv" for experiment in segment_experiments(name)]
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
        return [dataset_path(dataset, pattern.format(case=case, layout=layout_of(dataset))) for case in case_ids(dataset)]

    return expand_cases


# ---- used by phantom.smk

def phantom_source(wildcards, kind="phantom"):
    """The generator settings of a ``kind`` phantom dataset (``phantom`` or ``phantom_mr``)."""
    source = dataset_config(wildcards.dataset)["source"]
    if source["kind"] != kind:
        raise ValueError(f"dataset {wildcards.dataset} is not a {kind} dataset")
    # A case depends on (seed, index) only: the test cases are further indices of the same phantom.
    settings = {key: value for key, value in source.items() if key != "test_cases"}
    settings["cases"] = source["cases"] + source.get("test_cases", 0)
    return settings


# ---- used by ingest.smk

def ingest_inputs(wildcards):
    """Raw inputs of one case, by its source's kind."""
    source, case = case_source(wildcards.dataset, wildcards.case)
    return SOURCE_KINDS[source["kind"]].inputs(wildcards, source, case)


def ingest_arguments(wildcards, input, output):
    """The `lesionbench` command line that ingests one case, by its source's kind."""
    source, case = case_source(wildcards.dataset, wildcards.case)
    return SOURCE_KINDS[source["kind"]].arguments(wildcards, input, output, source, case)


def _salt():
    return shlex.quote(config.get("pseudonym_salt", ""))


def phantom_case_ids(source):
    """The phantom's cases, its ``test_cases`` last (further indices, each its own draw)."""
    return [f"ph{index:03d}" for index in range(source["cases"] + source.get("test_cases", 0))]


def phantom_ingest_inputs(wildcards, source, case):
    root = os.path.join(RESULTS, wildcards.dataset, "raw")
    return {
        "dicom": os.path.join(root, "dicom", wildcards.case),
        "mask": os.path.join(root, "masks", f"{wildcards.case}.nii.gz"),
        "labels": os.path.join(root, "cases", f"{wildcards.case}.json"),
    }


def phantom_ingest_arguments(wildcards, input, output, source, case):
    q = shlex.quote
    return (
        f"ingest --case-id {q(wildcards.case)} --dicom {q(input.dicom)} --mask {q(input.mask)} "
        f"--labels-json {q(input.labels)} --image {q(output.image)} --mask-out {q(output.mask)} "
        f"--meta {q(output.meta)} --salt {_salt()} "
        f"--settings {q(as_json(dataset_config(wildcards.dataset).get('ingest', {})))}"
    )


#: Where the T1 MRI phantom's generated cases go, below results/{dataset}.
MRI_PHANTOM_RAW = "raw/mr"


def phantom_mr_case_ids(source):
    """The MRI phantom's cases (``mr000``, ...), its ``test_cases`` last (further indices)."""
    return [f"mr{index:03d}" for index in range(source["cases"] + source.get("test_cases", 0))]


def phantom_mr_ingest_inputs(wildcards, source, case):
    """The generated T1 image, lesion mask and truth JSON of one MRI phantom case."""
    root = os.path.join(RESULTS, wildcards.dataset, MRI_PHANTOM_RAW)
    return {
        "images": [os.path.join(root, "images", f"{case}.nii.gz")],
        "mask": os.path.join(root, "masks", f"{case}.nii.gz"),
        "truth": os.path.join(root, "cases", f"{case}.json"),
    }


def phantom_mr_ingest_arguments(wildcards, input, output, source, case):
    """The NIfTI recipe ingest (lesionbench.datasets.phantom_mr) of the generated folder."""
    q = shlex.quote
    raw = as_json({"root": os.path.join(RESULTS, wildcards.dataset, MRI_PHANTOM_RAW)})
    return (
        f"dataset ingest --kind phantom_mr --source {q(raw)} --case {q(case)} --case-id {q(wildcards.case)} "
        f"--image {q(output.image)} --mask {q(output.mask)} --meta {q(output.meta)} --salt {_salt()}"
    )


def recipe_ingest_inputs(wildcards, source, case):
    """The raw files of one case of a dataset recipe (lesionbench.datasets)."""
    return RECIPES[source["kind"]].inputs(source, case)


def recipe_ingest_arguments(wildcards, input, output, source, case):
    q = shlex.quote
    return (
        f"dataset ingest --kind {q(source['kind'])} --source {q(as_json(source))} "
        f"--case {q(case)} --case-id {q(wildcards.case)} --image {q(output.image)} --mask {q(output.mask)} "
        f"--meta {q(output.meta)} --salt {_salt()}"
    )


class SourceKind(NamedTuple):
    case_ids: Callable
    inputs: Callable
    arguments: Callable


#: source kind -> how its cases are listed and ingested: the phantoms (DICOM, or the T1 MRI
#: NIfTI of phantom_mr, generated by the workflow) and every dataset recipe of lesionbench.datasets.
SOURCE_KINDS = {
    "phantom": SourceKind(phantom_case_ids, phantom_ingest_inputs, phantom_ingest_arguments),
    "phantom_mr": SourceKind(phantom_mr_case_ids, phantom_mr_ingest_inputs, phantom_mr_ingest_arguments),
    **{
        kind: SourceKind(recipe.case_ids, recipe_ingest_inputs, recipe_ingest_arguments)
        for kind, recipe in RECIPES.items()
    },
}


def has_brain_mask(dataset):
    """CT datasets configure a brain mask (a shared source: its owner does); MR and 2D recipes have none."""
    return "brain_mask" in dataset_config(owner_of(dataset))


def brain_input(wildcards):
    if has_brain_mask(wildcards.dataset):
        return {"brain": dataset_path(wildcards.dataset, f"brain/{wildcards.case}.nii.gz")}
    return {}


def brain_masks(wildcards):
    """Every case's brain mask, for datasets that have them (lesion geometry in evaluate)."""
    if not has_brain_mask(wildcards.dataset):
        return []
    return all_cases("brain/{case}.nii.gz")(wildcards)


def brain_argument(wildcards, input):
    return f"--brain {shlex.quote(input.brain)}" if "brain" in input.keys() else ""


# ---- used by train.smk

def folds_group_argument(wildcards):
    """``--group-by LABEL`` when the dataset's folds keep a patient's cases together, else empty."""
    group_by = fold_group(dataset_config(wildcards.dataset), dataset_config(owner_of(wildcards.dataset)))
    return f"--group-by {shlex.quote(group_by)}" if group_by else ""


def training_samples(wildcards):
    """Every case's samples index (the fold's cases are read from folds.json by the job)."""
    dataset = dataset_of(wildcards.experiment)
    if dataset != wildcards.dataset:
        raise ValueError(f"experiment {wildcards.experiment} belongs to dataset {dataset}")
    return all_cases("samples/{layout}/{case}/index.json")(wildcards)


def experiment_predict(experiment):
    """The experiment's predict section, with the dataset's ``samples.placement`` (3D VOIs) as
    its default placement; the rest of the sample geometry comes from the checkpoint."""
    e = config["experiments"][experiment]
    samples = dataset_config(e["dataset"])["samples"]
    placement = {"placement": samples["placement"]} if "placement" in samples else {}
    return {**placement, **e.get("predict", {})}


def predict_settings(wildcards):
    return as_json(experiment_predict(wildcards.experiment))


# ---- used by evaluate.smk

def prediction_dirs(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "predictions", wildcards.experiment, f"fold-{fold}")
        for fold in folds_of(wildcards.dataset)
    ]


def postprocessed_dirs(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "postprocessed", wildcards.experiment, f"fold-{fold}")
        for fold in folds_of(wildcards.dataset)
    ]


# ---- used by bundle.smk

def fold_checkpoints(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "models", wildcards.experiment, f"fold-{fold}", "best.pt")
        for fold in folds_of(wildcards.dataset)
    ]


def bundle_settings(wildcards):
    """What model.json records besides the folds and the post-processing: how the dataset's
    scans were prepared and how the experiment predicts (lesionbench.bundle.manifest)."""
    from lesionbench.samples import TRAINING_ONLY_KEYS

    e = config["experiments"][wildcards.experiment]
    d, owner = dataset_config(wildcards.dataset), dataset_config(owner_of(wildcards.dataset))
    samples = {k: v for k, v in d["samples"].items() if k not in TRAINING_ONLY_KEYS}
    return as_json({
        "experiment": wildcards.experiment, "dataset": wildcards.dataset, "label": e.get("label"),
        "modality": d["modality"], "channels": d.get("channels", 1), "network": e["network"],
        "ingest": owner.get("ingest", {}), "brain_mask": owner.get("brain_mask"),
        "preprocess": {**d["preprocess"], "resampling": resampling_section(wildcards.dataset)},
        "samples": {**samples, "resampling": resampling_section(wildcards.dataset)},
        "predict": experiment_predict(wildcards.experiment),
        **({"classification": d["classification"]} if d.get("classification") else {}),
    })


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
    """The network section of every compared experiment (what the complexity table measures), with
    the input channels of those that see part of the 2.5D stack (``network.input_offsets``)."""
    experiments = comparison_of(wildcards)["experiments"]
    channels = dataset_config(wildcards.dataset).get("channels", 1)
    measured = {}
    for name in experiments:
        network = config["experiments"][name]["network"]
        offsets = network.get("input_offsets")
        measured[name] = {"network": network, **({"in_channels": channels * len(offsets)} if offsets else {})}
    return as_json(measured)


def input_channels(dataset):
    """Channels the networks of a dataset see (image channels times the 2.5D stack)."""
    from lesionbench.samples import SampleSettings, input_channels as network_channels

    settings = SampleSettings.from_dict(dataset_config(dataset)["samples"])
    return network_channels(dataset_config(dataset).get("channels", 1), settings)


def network_input_size(dataset):
    """What one network input measures: the slice ``(H, W)``, or the VOI ``(D, H, W)`` of 3D layouts."""
    from lesionbench.samples import SampleSettings, get_layout

    settings = SampleSettings.from_dict(dataset_config(dataset)["samples"])
    return settings.voi if get_layout(settings.layout).spatial_dims == 3 else settings.size


def model_folders(kind, segmenting_only=False):
    """``results/{dataset}/{kind}/{experiment}`` of every compared experiment (``segmenting_only``:
    of those with label maps, for the overlays)."""

    def folders(wildcards):
        return [os.path.join(RESULTS, wildcards.dataset, kind, e) for e in compared(wildcards, segmenting_only)]

    return folders


def compared(wildcards, segmenting_only=False):
    experiments = comparison_of(wildcards)["experiments"]
    return [e for e in experiments if segmenting(config, e)] if segmenting_only else list(experiments)


def all_histories(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "models", e, f"fold-{fold}", "history.tsv")
        for e in comparison_of(wildcards)["experiments"]
        for fold in folds_of(wildcards.dataset)
    ]


def test_metric_tables(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "test", "metrics", f"{experiment}.tsv")
        for experiment in comparison_of(wildcards)["experiments"]
    ]


def all_test_prediction_dirs(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "test", "predictions", e, "ensemble")
        for e in compared(wildcards, segmenting_only=True)
    ]


def ensemble_checkpoints(wildcards):
    """The checkpoints of the folds an experiment's ensemble averages (``predict.folds``)."""
    from lesionbench.inference import PredictSettings

    settings = PredictSettings.from_dict(config["experiments"][wildcards.experiment].get("predict", {}))
    return [
        os.path.join(RESULTS, wildcards.dataset, "models", wildcards.experiment, f"fold-{fold}", "best.pt")
        for fold in settings.chosen_folds(len(folds_of(wildcards.dataset)))
    ]


def all_prediction_dirs(wildcards):
    """The label maps the overlays draw (classifiers have none)."""
    return [
        os.path.join(RESULTS, wildcards.dataset, "predictions", e, f"fold-{fold}")
        for e in compared(wildcards, segmenting_only=True)
        for fold in folds_of(wildcards.dataset)
    ]



# ---- used by segment.smk

def segment_sets():
    return config.get("segment", {})


_SCANS = {}


def segment_scans(name):
    """The scans of segment set ``name`` (case name -> ScanInput), listed once as
    `lesionbench segment` lists them; an unusable folder stops the run with its message."""
    if name not in _SCANS:
        from lesionbench.segment import SegmentInputError, find_scans

        path = segment_sets()[name]["source"]["path"]
        try:
            scans = find_scans(path)
        except (FileNotFoundError, SegmentInputError) as error:
            sys.exit(f"lesionbench: invalid configuration: segment.{name}.source.path: {error}")
        bad = [scan.name for scan in scans if not re.fullmatch(r"[A-Za-z0-9_.-]+", scan.name)]
        if bad:
            sys.exit(f"lesionbench: invalid configuration: segment.{name}.source.path: {path}: scan name(s) {bad} "
                     "hold characters other than letters, digits, '_', '.', '-'; rename them")
        _SCANS[name] = {scan.name: scan for scan in scans}
    return _SCANS[name]


def segment_experiments(name):
    """The experiments a segment set names, or every experiment that segments."""
    return list(segment_sets()[name].get("experiments") or [e for e in config["experiments"] if segmenting(config, e)])


def segment_inputs(wildcards):
    """The scan (a DICOM folder or an image file) and the experiment's bundle."""
    dataset = dataset_of(wildcards.experiment)
    model_dir = os.path.join(RESULTS, dataset, "models", wildcards.experiment)
    checkpoints = [os.path.join(model_dir, f"fold-{fold}", "best.pt") for fold in folds_of(dataset)]
    scan = segment_scans(wildcards.dataset)[wildcards.case]
    return {"scan": str(scan.path), "model": os.path.join(model_dir, "model.json"), "checkpoints": checkpoints}


def segment_arguments(wildcards, input, output):
    """`lesionbench segment` for one case: the set's folder restricted to the case."""
    q = shlex.quote
    spec = segment_sets()[wildcards.dataset]
    arguments = [q(spec["source"]["path"]), q(str(output)), "--model", q(os.path.dirname(input.model)),
                 "--case", q(wildcards.case), "--quiet"]
    folds = spec.get("folds")
    if folds is not None:
        arguments += ["--folds", folds if folds == "all" else ",".join(str(fold) for fold in folds)]
    if spec.get("tta") is not None:
        arguments += ["--tta", spec["tta"]]
    if spec.get("save_probabilities") is not None:
        arguments.append("--save-probabilities" if spec["save_probabilities"] else "--no-save-probabilities")
    if not spec.get("dicom_seg", True):
        arguments.append("--no-dicom-seg")
    return " ".join(arguments)


def segment_case_dirs(wildcards):
    return [
        os.path.join(RESULTS, wildcards.dataset, "segment", wildcards.experiment, "cases", case)
        for case in segment_scans(wildcards.dataset)
    ]
