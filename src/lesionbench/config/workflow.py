"""The whole workflow configuration, typed: datasets, experiments, experiment sets.

:class:`WorkflowConfig` composes the settings of every stage (the classes the stages themselves
use), so the configuration a user writes, the JSON schema in ``workflow/schemas/`` (generated
from this module, :mod:`lesionbench.config.schema`) and what each stage accepts are one thing.
:func:`check_config` validates a configuration before any job runs: the mapping as written, then
every experiment and comparison after the experiment sets are expanded (their defaults, scale
and ``override`` merged), so an error in a set file or an override names the experiment it lands
in. The first error stops the run with its key path::

    experiments.unet.train.optimizer.lr: must be > 0 (got -1)
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, Field, StrictBool, StrictInt, ValidationError, create_model, model_validator

from lesionbench.augment import AugmentSettings
from lesionbench.brainmask import BrainMaskSettings
from lesionbench.classification.target import ClassTarget
from lesionbench.config.base import Number, Settings, SettingsError, describe_error
from lesionbench.figures.settings import FigureSettings
from lesionbench.inference.settings import PredictSettings
from lesionbench.ingest import IngestSettings
from lesionbench.metrics.conventions import DistancePolicy, EmptyPolicy
from lesionbench.phantom import PhantomSettings
from lesionbench.preprocess import PreprocessSettings
from lesionbench.resampling import ResamplingSettings
from lesionbench.samples import SampleSettings
from lesionbench.stats.settings import CompareSettings
from lesionbench.training.settings import LossSettings, NetworkSettings, TrainSettings
from lesionbench.workflow.experiment_sets import ExperimentOverride, resolve_config

NAME_PATTERN = r"^[A-Za-z0-9_]+$"


class PhantomSource(PhantomSettings):
    """``source: {kind: phantom, cases, seed, ...}``: the project's generated head CTs (no download).

    Attributes:
        kind: ``phantom``.
        test_cases: extra cases (indices ``cases`` .. ``cases + test_cases - 1``, each drawn
            from its own seed sequence) held out as the dataset's test set; 0: none.
    """

    kind: Literal["phantom"]
    seed: Annotated[StrictInt, Field(ge=0)]
    cases: Annotated[StrictInt, Field(ge=2)]
    test_cases: Annotated[StrictInt, Field(ge=0)] = 0


def _recipe_source(kind: str, recipe: Any) -> type[Settings]:
    """The source model of a dataset recipe, from its ``source_keys`` (``...`` = required) and
    ``source_docs`` (the keys' descriptions)."""
    keys: Mapping[str, Any] = recipe.source_keys
    fields: dict[str, Any] = {"kind": (Literal[kind], ...)}  # type: ignore[valid-type]
    for key, default in keys.items():
        if default is ...:
            fields[key] = (str, ...)
        elif isinstance(default, (list, tuple)):
            fields[key] = (Annotated[tuple[str, ...], Field(min_length=1)], tuple(default))
        else:
            fields[key] = (type(default), default)
    model = create_model(f"{kind.title().replace('_', '')}Source", __base__=Settings, **fields)
    summary = (recipe.__doc__ or f"The {kind} recipe.").strip().splitlines()[0]
    docs = {"kind": f"``{kind}``", **recipe.source_docs}
    model.__doc__ = summary + "\n\nAttributes:\n" + "".join(f"    {key}: {text}\n" for key, text in docs.items())
    return model


class SharedSource(Settings):
    """``source: {kind: dataset, dataset: NAME}``: the cases of another dataset, as it ingested them.

    The dataset reads the other one's converted images, reference masks, ingest metadata and
    brain masks (``results/NAME/{images,masks,meta/ingest,brain}``), so conversion and skull
    stripping run once, and preprocesses, samples, folds, trains and evaluates on its own
    (``results/{dataset}/...``): a second preprocessing of the same raw cases, e.g. the 2D slices
    of paper 000 and the 1 mm isotropic VOIs of paper 001. The cases and a phantom's
    ``test_cases`` are the other dataset's; ``ingest``, ``brain_mask`` and ``modality`` follow
    it (set neither ``ingest`` nor ``brain_mask`` here).

    Attributes:
        kind: ``dataset``.
        dataset: the dataset whose cases are shared (it must have a source of its own).
    """

    kind: Literal["dataset"]
    dataset: Annotated[str, Field(pattern=NAME_PATTERN)]


def _source_members() -> list[Any]:
    from lesionbench.datasets import RECIPES

    return [PhantomSource] + [_recipe_source(kind, recipe) for kind, recipe in RECIPES.items()]


def _sources() -> Any:
    return Annotated[Union[tuple(_source_members())], Field(discriminator="kind")]  # noqa: UP007


def _dataset_sources() -> Any:
    return Annotated[Union[tuple([*_source_members(), SharedSource])], Field(discriminator="kind")]  # noqa: UP007


class TestSetConfig(Settings):
    """``datasets.<d>.test``: a held-out test set, predicted by every experiment's fold ensemble.

    Either a fraction of the dataset's patients held out before the folds are made (patient-
    level and stratified like the folds: :func:`lesionbench.folds.hold_out`), or a separate
    source of labelled cases (any source kind; its cases are named ``test_<id>``). Results go
    to ``results/{dataset}/test/`` next to the cross-validation results.

    Attributes:
        fraction: the held-out fraction, in ``(0, 0.5]`` (0.2: paper 003's 8:2 split).
        seed: seed of the held-out draw.
        source: a separate source of test cases instead of a fraction.
    """

    fraction: Annotated[Number, Field(gt=0.0, le=0.5)] | None = None
    seed: Annotated[StrictInt, Field(ge=0)] = 0
    source: _sources() | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_kind(self) -> TestSetConfig:
        if (self.fraction is None) == (self.source is None):
            raise ValueError("give either fraction or source")
        if getattr(self.source, "kind", None) == "phantom":
            raise ValueError("a phantom's test set is its source's test_cases, not a test source")
        return self


class FoldsConfig(Settings):
    """``folds``: patient-level, stratified, seeded cross-validation folds (:mod:`lesionbench.folds`).

    Attributes:
        k: number of folds; each case is tested in exactly one.
        seed: seed of the split.
        stratify_by: case labels (metadata keys such as ``has_lesion``, ``label``) the folds
            keep balanced.
        val_fraction: fraction of each fold's training cases held out for validation.
        group_by: case label whose cases stay in one fold (no patient in both training and
            test); ``auto``: the recipe's patient label (the sample sheet's ``group``; the
            phantom, CT-ICH, ATLAS and ISLES'22 have one case per patient), ``null``: every
            case on its own. A recipe without patient ids (COVID-SemiSeg slices) warns that a
            patient's slices may fall into different folds.
    """

    k: Annotated[StrictInt, Field(ge=2)]
    seed: Annotated[StrictInt, Field(ge=0)]
    stratify_by: tuple[str, ...] = ()
    val_fraction: Annotated[Number, Field(gt=0.0, lt=1.0)] = 0.2
    group_by: str | None = "auto"


class EmptyConfig(Settings):
    """``evaluate.empty``: the empty-mask conventions (:mod:`lesionbench.metrics.conventions`).

    Attributes:
        both: overlap metrics (Dice, IoU, ...) when prediction and reference are both empty:
            ``one`` (a perfect score, Metrics Reloaded) or ``nan`` (excluded from the means and
            tests, counted in the tables).
        distance: HD95 and ASD when exactly one mask is empty: ``worst`` (the diagonal of the
            image's field of view in mm, Metrics Reloaded) in the default columns, or ``nan``;
            the raw NaN variants are always in the ``hd95_nan`` / ``asd_nan`` columns. Where a
            metric is NaN, the tables and tests count the excluded cases and say why.
    """

    both: Literal["one", "nan"] = EmptyPolicy.ONE.value
    distance: Literal["worst", "nan"] = DistancePolicy.WORST.value


class EvaluateConfig(Settings):
    """``evaluate``: how the per-case metrics treat empty masks.

    Attributes:
        empty: see :class:`EmptyConfig`.
    """

    empty: EmptyConfig = EmptyConfig()


def _figure_docs() -> dict[str, str]:
    from lesionbench.config.schema import parse_docstring

    return {key: text for key, text in parse_docstring(FigureSettings.__doc__)[1].items() if key in _FIGURE_KEYS}


#: The figure-only keys of :class:`FigureSettings` (the rest are the compare block's).
_FIGURE_KEYS = ("overlay_cases", "pick_metric", "window", "dpi", "seed", "reference_color", "distribution", "annotate",
                "class_column", "size_column", "size_split_ml")
FiguresConfig = create_model(
    "FiguresConfig", __base__=Settings,
    **{key: (FigureSettings.model_fields[key].annotation, FigureSettings.model_fields[key].default)
       for key in _FIGURE_KEYS},
)
FiguresConfig.__doc__ = ("``datasets.<d>.figures``: how the figures look and which cases they show.\n\n"
                         "Attributes:\n" + "".join(f"    {key}: {text}\n" for key, text in _figure_docs().items()))


class DatasetConfig(Settings):
    """``datasets.<name>``: where the cases come from and every per-dataset stage setting.

    Attributes:
        source: where the cases come from; ``kind`` picks the recipe (``phantom``,
            ``sample_sheet`` for one's own data, or a public dataset's layout), or ``dataset``
            for another dataset's cases, converted once (:class:`SharedSource`).
        modality: ``CT`` or ``MR``.
        channels: input channels of the network (1 for CT; the MR sequences stacked).
        ingest: see :class:`IngestSettings`.
        brain_mask: CT only: skull stripping (:class:`BrainMaskSettings`); omit for none.
        resampling: see :class:`ResamplingSettings`.
        preprocess: see :class:`PreprocessSettings`.
        folds: see :class:`FoldsConfig`.
        samples: see :class:`SampleSettings`.
        augment: see :class:`AugmentSettings`; an experiment's ``augment`` refines it.
        test: a held-out test set (:class:`TestSetConfig`); the phantom's ``test_cases`` is one too.
        classification: the case label multi-task networks classify (:class:`ClassTarget`;
            paper 001: ``{label: lesion_class, positive: avm}``); omit for segmentation only.
        evaluate: see :class:`EvaluateConfig`.
        compare: the comparison of the dataset's own experiments (:class:`CompareSettings`);
            omit when it has fewer than two.
        figures: see :class:`FiguresConfig`.
    """

    source: _dataset_sources()  # type: ignore[valid-type]
    modality: Literal["CT", "MR"]
    channels: Annotated[StrictInt, Field(ge=1)] = 1
    ingest: IngestSettings = IngestSettings()
    brain_mask: BrainMaskSettings | None = None
    resampling: ResamplingSettings = ResamplingSettings()
    preprocess: PreprocessSettings
    folds: FoldsConfig
    samples: SampleSettings
    augment: AugmentSettings
    test: TestSetConfig | None = None
    classification: ClassTarget | None = None
    evaluate: EvaluateConfig = EvaluateConfig()
    compare: CompareSettings | None = None
    figures: FiguresConfig = FiguresConfig()  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_test_set(self) -> DatasetConfig:
        if getattr(self.source, "test_cases", 0) and self.test is not None:
            raise ValueError("the phantom's test_cases are the test set already; remove test (or test_cases)")
        return self


class ExperimentConfig(Settings):
    """``experiments.<name>``: one network trained and evaluated on one dataset.

    Attributes:
        dataset: a key of ``datasets``.
        label: the name tables and figures show (default: the experiment's name).
        network: see :class:`NetworkSettings`.
        loss: see :class:`LossSettings`.
        train: see :class:`TrainSettings` (a change retrains the model).
        predict: see :class:`PredictSettings` (a change reruns prediction and what follows,
            not training).
        augment: keys refining the dataset's ``augment`` for this experiment.
    """

    dataset: str
    label: str | None = None
    network: NetworkSettings
    loss: LossSettings
    train: TrainSettings
    predict: PredictSettings = PredictSettings()
    augment: AugmentSettings | None = None


class ExperimentSetUse(Settings):
    """``experiment_sets.<set>``: run the set (``resources/experiments/<set>.yaml``) on a dataset.

    Attributes:
        dataset: a key of ``datasets``.
        scale: a scale of the set file (``paper``: none; ``demo``, ``tiny``: smaller networks
            and schedules).
        file: another set file (path relative to the workflow folder) instead of the set's own.
        override: see :class:`ExperimentOverride`: one number changed without copying the file.
    """

    dataset: str
    scale: str = "paper"
    file: str | None = None
    override: ExperimentOverride = ExperimentOverride()


class ScansSource(Settings):
    """``source: {kind: scans, path}``: new scans without reference masks, found as ``lesionbench segment`` finds them.

    Attributes:
        kind: ``scans``.
        path: a folder with one case per DICOM series sub-folder and per image file (NIfTI,
            NRRD, MHA, PNG, JPEG), named after it (:func:`lesionbench.segment.find_scans`);
            relative to the working directory.
    """

    kind: Literal["scans"]
    path: str


class SegmentSetConfig(Settings):
    """``segment.<name>``: a segment-only dataset: new scans segmented by trained model bundles.

    Each case is one cached job per experiment (``lesionbench segment`` with the bundle of
    ``results/{dataset}/models/{experiment}``): ``results/{name}/segment/{experiment}/cases/{case}/``
    holds the label map on the scan's grid, the DICOM-SEG for DICOM input and the case's row;
    ``results/{name}/segment/{experiment}/volumes.tsv`` gathers the rows.

    Attributes:
        source: the scans (:class:`ScansSource`).
        masks: ``none``: the scans have no reference masks, so nothing is evaluated.
        experiments: the experiments whose bundles segment the scans (default: every experiment).
        folds: fold models to ensemble, ``all`` or fold indices (default: each bundle's ``predict.folds``).
        tta: ``none`` or ``flips`` (default: each bundle's ``predict.tta``).
        save_probabilities: also keep each probability map (default: the bundle's setting).
        dicom_seg: write a DICOM Segmentation object for DICOM input.
    """

    source: ScansSource
    masks: Literal["none"] = "none"
    experiments: Annotated[tuple[str, ...], Field(min_length=1)] | None = None
    folds: Literal["all"] | Annotated[tuple[Annotated[StrictInt, Field(ge=0)], ...], Field(min_length=1)] | None = None
    tta: Literal["none", "flips"] | None = None
    save_probabilities: StrictBool | None = None
    dicom_seg: StrictBool = True


class WorkflowConfig(Settings):
    """The whole configuration (``config.yaml`` or a user's ``--configfile``).

    A configuration describes the whole run: given with ``--configfile``, it replaces the
    default demo instead of merging into it.

    Attributes:
        results: folder of every output (relative to the working directory).
        pseudonym_salt: secret salt of the pseudonymous case ids made from DICOM UIDs; set
            one per site and keep it out of shared configs.
        train_threads: torch CPU threads of one training job.
        datasets: dataset name -> :class:`DatasetConfig`; names are letters, digits, ``_``.
        experiments: experiment name -> :class:`ExperimentConfig`.
        experiment_sets: set name -> :class:`ExperimentSetUse`; its experiments join the
            dataset as ``<set>_<experiment>``.
        segment: name -> :class:`SegmentSetConfig`: folders of new scans segmented by the
            experiments' model bundles (names distinct from the datasets').
    """

    WHERE: ClassVar[str] = ""

    results: str = "results"
    pseudonym_salt: str = ""
    train_threads: Annotated[StrictInt, Field(ge=1)] = 2
    datasets: Annotated[dict[Annotated[str, Field(pattern=NAME_PATTERN)], DatasetConfig], Field(min_length=1)]
    experiments: dict[Annotated[str, Field(pattern=NAME_PATTERN)], ExperimentConfig] = {}
    experiment_sets: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9]+$")], ExperimentSetUse] = {}
    segment: dict[Annotated[str, Field(pattern=NAME_PATTERN)], SegmentSetConfig] = {}


def fold_group(dataset: Mapping[str, Any], owner: Mapping[str, Any] | None = None) -> str | None:
    """The label ``folds`` groups cases by (``folds.group_by``, ``auto`` resolved), or ``None``.

    ``owner``: the dataset whose source a shared source names (its recipe resolves ``auto``).
    """
    group_by = dataset.get("folds", {}).get("group_by", "auto")
    if group_by != "auto":
        return group_by
    recipe = _recipe((owner or dataset)["source"]["kind"])
    return recipe.patient_label if recipe is not None else None


def _recipe(kind: str) -> Any:
    from lesionbench.datasets import RECIPES

    return RECIPES.get(kind)


def config_warnings(config: Mapping[str, Any]) -> list[str]:
    """What a valid configuration may still get wrong: folds that may split a patient's cases."""
    found = []
    for name, dataset in config["datasets"].items():
        owner = config["datasets"][ingest_owner(config, name)]
        recipe = _recipe(owner["source"]["kind"])
        if recipe is not None and not recipe.case_is_patient and fold_group(dataset, owner) is None:
            found.append(f"datasets.{name}.folds: the {recipe.kind} cases carry no patient id: slices of one "
                         f"patient may fall into different folds (training and test); give folds.group_by a "
                         f"label that names the patient if you have one")
    return found


def _validate(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise SettingsError(describe_error(error, model, where)) from None


def check_config(config: Mapping[str, Any], root: str | Path) -> dict[str, Any]:
    """Validate a workflow configuration and expand its experiment sets.

    Args:
        config: the configuration as Snakemake read it.
        root: the workflow's folder (experiment set files live in ``root/resources/experiments``).

    Returns:
        The configuration with the sets' experiments and the comparisons added
        (:func:`lesionbench.workflow.resolve_config`).

    Raises:
        SettingsError: naming the key path of the first problem, before any job runs.
    """
    _validate(WorkflowConfig, dict(config), "")
    resolved = resolve_config(config, root)  # reads and checks the set files
    for name, experiment in resolved["experiments"].items():
        data = {k: v for k, v in experiment.items() if k != "experiment_set"}
        _validate(ExperimentConfig, data, f"experiments.{name}")
    for dataset, comparisons in resolved["comparisons"].items():
        for comparison, spec in comparisons.items():
            where = f"datasets.{dataset}.compare" if comparison == "main" else f"experiment_sets.{comparison}.compare"
            _validate(CompareSettings, spec["compare"], where)
    _check_shared_sources(resolved)
    _check_tasks(resolved)
    _check_segment_sets(resolved)
    return resolved


def ingest_owner(config: Mapping[str, Any], dataset: str) -> str:
    """The dataset whose ``results`` folder holds ``dataset``'s converted cases: itself, or the
    dataset its ``source: {kind: dataset}`` names."""
    source = config["datasets"][dataset]["source"]
    return source["dataset"] if source["kind"] == "dataset" else dataset


def _check_shared_sources(config: Mapping[str, Any]) -> None:
    """A shared source names another dataset with its own source, and takes over its ingestion."""
    datasets = config["datasets"]
    for name, dataset in datasets.items():
        if dataset["source"]["kind"] != "dataset":
            continue
        where, owner = f"datasets.{name}.source.dataset", dataset["source"]["dataset"]
        if owner == name or owner not in datasets:
            raise SettingsError(f"{where}: {owner!r} is not another dataset (valid: "
                                f"{', '.join(sorted(d for d in datasets if d != name))})")
        if datasets[owner]["source"]["kind"] == "dataset":
            raise SettingsError(f"{where}: {owner!r} shares another dataset's cases itself; name that one")
        for key in ("ingest", "brain_mask"):
            if key in dataset:
                raise SettingsError(f"datasets.{name}.{key}: the cases are {owner!r}'s, converted with its {key}; "
                                    "remove it here")
        if dataset["modality"] != datasets[owner]["modality"]:
            raise SettingsError(f"datasets.{name}.modality: {dataset['modality']} differs from {owner!r}'s "
                                f"{datasets[owner]['modality']}")
        if (dataset.get("test") or {}).get("source") is not None:
            raise SettingsError(f"datasets.{name}.test.source: the cases are {owner!r}'s; a test source belongs "
                                "there")


def segmenting(config: Mapping[str, Any], experiment: str) -> bool:
    """Whether ``experiment``'s network has a segmentation output (a classifier has none: no
    label maps, post-processing, bundle or volumes; only its class probabilities)."""
    from lesionbench.networks import segments

    return segments(config["experiments"][experiment]["network"]["name"])


def _check_tasks(config: Mapping[str, Any]) -> None:
    """What a network predicts fits what its dataset and loss provide.

    A loss that reads class targets (``multitask``, ``class_ce``) needs the dataset's
    ``classification``; a classifier without segmentation output needs such a loss and the
    reference-centred VOI to classify (``placement: voi``: it cannot localise a lesion itself).
    """
    from lesionbench.losses import LOSSES

    for name, experiment in config["experiments"].items():
        dataset = config["datasets"][experiment["dataset"]]
        loss = experiment["loss"]["name"]
        reads_classes = getattr(LOSSES.entry(loss).factory, "uses_class_targets", False)
        if reads_classes and not dataset.get("classification"):
            raise SettingsError(f"experiments.{name}.loss: {loss!r} trains on class labels, but dataset "
                                f"{experiment['dataset']!r} has no classification target (datasets.<d>.classification)")
        if segmenting(config, name):
            continue
        network = experiment["network"]["name"]
        if not reads_classes:
            raise SettingsError(f"experiments.{name}.loss: network {network!r} only classifies; train it with a "
                                f"class loss (class_ce), not {loss!r}")
        placement = experiment.get("predict", {}).get("placement", dataset["samples"].get("placement", "voi"))
        if placement != "voi":
            raise SettingsError(f"experiments.{name}.predict.placement: network {network!r} only classifies and "
                                "cannot find the lesion itself; it needs placement: voi (the reference-centred VOI)")
    for dataset, comparisons in config["comparisons"].items():
        for comparison, spec in comparisons.items():
            reference = spec["compare"].get("reference")
            if reference in config["experiments"] and not segmenting(config, reference):
                where = f"datasets.{dataset}.compare" if comparison == "main" else f"experiment_sets.{comparison}"
                raise SettingsError(f"{where}.reference: {reference!r} only classifies; the reference of the "
                                    "segmentation statistics must segment")


def _check_segment_sets(config: Mapping[str, Any]) -> None:
    """Segment sets name existing experiments and do not share a results folder with a dataset."""
    for name, spec in config.get("segment", {}).items():
        if name in config["datasets"]:
            raise SettingsError(f"segment.{name}: a dataset has this name too (both would write results/{name}/)")
        unknown = [e for e in spec.get("experiments") or () if e not in config["experiments"]]
        if unknown:
            raise SettingsError(f"segment.{name}.experiments: unknown experiment(s) {unknown} "
                                f"(valid: {', '.join(sorted(config['experiments']))})")
        classifiers = [e for e in spec.get("experiments") or () if not segmenting(config, e)]
        if classifiers:
            raise SettingsError(f"segment.{name}.experiments: {classifiers} only classify and cannot segment new scans")
        if not spec.get("experiments") and not config["experiments"]:
            raise SettingsError(f"segment.{name}: no experiment to segment with")
