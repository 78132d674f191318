# One training job per experiment x fold (one GPU each), then prediction of the fold's
# held-out cases on their original image grid.


rule train_model:
    input:
        samples=training_samples,
        folds=R("folds.json"),
    output:
        best=R("models/{experiment}/fold-{fold}/best.pt"),
        history=R("models/{experiment}/fold-{fold}/history.tsv"),
    params:
        settings=lambda wildcards: training_settings(wildcards.experiment),
        samples=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, "samples", layout_of(wildcards.dataset)),
        out_dir=lambda wildcards, output: os.path.dirname(output.best),
    threads: config.get("train_threads", 2)
    resources:
        gpu=config.get("train_gpus", 1),
    log:
        LOG("train/{experiment}/fold-{fold}.log"),
    benchmark:
        BENCH("train/{experiment}/fold-{fold}.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench train --samples {params.samples:q} --folds {input.folds:q} "
        "--fold {wildcards.fold} --out-dir {params.out_dir:q} "
        "--settings {params.settings:q} --threads {threads} > {log:q} 2>&1"


rule predict_fold:
    input:
        checkpoint=R("models/{experiment}/fold-{fold}/best.pt"),
        folds=R("folds.json"),
        preprocessed=all_cases("preprocessed/{case}.npz"),
        images=all_cases("images/{case}.nii.gz"),
    output:
        directory(R("predictions/{experiment}/fold-{fold}")),
    params:
        settings=predict_settings,
        preprocessed=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, "preprocessed"),
        images=ingested_dir("images"),
    threads: config.get("train_threads", 2)
    resources:
        gpu=config.get("train_gpus", 1),
    log:
        LOG("predict/{experiment}/fold-{fold}.log"),
    benchmark:
        BENCH("predict/{experiment}/fold-{fold}.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench predict --checkpoint {input.checkpoint:q} --folds {input.folds:q} "
        "--fold {wildcards.fold} --preprocessed {params.preprocessed:q} "
        "--images {params.images:q} --out-dir {output:q} --settings {params.settings:q} "
        "> {log:q} 2>&1"
