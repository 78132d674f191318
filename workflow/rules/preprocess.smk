# Resampling, windowing and cropping per case; patient-level folds per dataset.


rule preprocess_case:
    input:
        unpack(brain_input),
        image=ingested("images/{case}.nii.gz"),
        mask=ingested("masks/{case}.nii.gz"),
        meta=ingested("meta/ingest/{case}.json"),
    output:
        npz=R("preprocessed/{case}.npz"),
        meta=R("meta/{case}.json"),
    params:
        settings=preprocess_settings,
        brain=brain_argument,
    log:
        LOG("preprocess/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench preprocess --image {input.image:q} --mask {input.mask:q} "
        "{params.brain} --meta-in {input.meta:q} --out {output.npz:q} --meta-out {output.meta:q} "
        "--settings {params.settings:q} > {log:q} 2>&1"


rule tabulate_preprocess_qc:
    input:
        all_cases("meta/{case}.json"),
    output:
        R("qc/preprocess.tsv"),
    log:
        LOG("qc/preprocess.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench preprocess-qc --meta {input:q} --out {output:q} > {log:q} 2>&1"


rule make_folds:
    input:
        meta=all_cases("meta/ingest/{case}.json"),
    output:
        R("folds.json"),
    params:
        k=lambda wildcards: dataset_config(wildcards.dataset)["folds"]["k"],
        seed=lambda wildcards: dataset_config(wildcards.dataset)["folds"]["seed"],
        stratify_by=lambda wildcards: dataset_config(wildcards.dataset)["folds"].get("stratify_by", []),
        val_fraction=lambda wildcards: dataset_config(wildcards.dataset)["folds"].get("val_fraction", 0.2),
        group_by=folds_group_argument,
        test=folds_test_arguments,
    log:
        LOG("folds.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench folds --meta {input.meta:q} --out {output:q} --k {params.k} "
        "--seed {params.seed} --stratify-by {params.stratify_by:q} "
        "--val-fraction {params.val_fraction} {params.test} {params.group_by} > {log:q} 2>&1"
