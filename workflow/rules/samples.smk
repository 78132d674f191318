# 2D samples per case, then the seeded offline augmentation of each fold's training set.


rule extract_samples:
    input:
        R("preprocessed/{case}.npz"),
    output:
        R("samples/{layout}/{case}.npz"),
    params:
        settings=lambda wildcards: as_json(dataset_config(wildcards.dataset)["samples"]),
    log:
        LOG("samples/{layout}/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench samples --input {input:q} --out {output:q} "
        "--settings {params.settings:q} > {log:q} 2>&1"


rule augment_fold:
    input:
        samples=all_cases("samples/{layout}/{case}.npz"),
        folds=R("folds.json"),
    output:
        R("augmented/{layout}/fold-{fold}.npz"),
    params:
        settings=lambda wildcards: as_json(dataset_config(wildcards.dataset)["augment"]),
    log:
        LOG("augment/{layout}/fold-{fold}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench augment --samples {input.samples:q} --folds {input.folds:q} "
        "--fold {wildcards.fold} --out {output:q} --settings {params.settings:q} > {log:q} 2>&1"
