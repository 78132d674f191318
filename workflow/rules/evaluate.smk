# Per-case metrics of one experiment, on the original image grid (docs/architecture.md, "Metrics").


rule evaluate_experiment:
    input:
        predictions=prediction_dirs,
        masks=all_cases("masks/{case}.nii.gz"),
        meta=all_cases("meta/{case}.json"),
        brains=brain_masks,
    output:
        R("metrics/{experiment}.tsv"),
    params:
        masks=ingested_dir("masks"),
        meta=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, "meta"),
        empty=lambda wildcards: as_json(dataset_config(wildcards.dataset).get("evaluate", {}).get("empty", {})),
        nsd_tolerance=lambda wildcards: dataset_config(wildcards.dataset).get("evaluate", {}).get("nsd_tolerance_mm", 2.0),
        classification=lambda wildcards: (
            f"--classification {shlex.quote(as_json(dataset_config(wildcards.dataset)['classification']))}"
            if dataset_config(wildcards.dataset).get("classification") else ""
        ),
        brain=lambda wildcards, input: (
            f"--brain-dir {shlex.quote(os.path.dirname(input.brains[0]))}" if input.brains else ""
        ),
    log:
        LOG("evaluate/{experiment}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench evaluate --experiment {wildcards.experiment} "
        "--predictions {input.predictions:q} --masks {params.masks:q} --meta {params.meta:q} "
        "--empty {params.empty:q} --nsd-tolerance-mm {params.nsd_tolerance} "
        "{params.brain} {params.classification} --out {output:q} > {log:q} 2>&1"
