# Resampling, windowing and cropping per case; patient-level folds per dataset.


rule preprocess_case:
    input:
        unpack(brain_input),
        image=R("images/{case}.nii.gz"),
        mask=R("masks/{case}.nii.gz"),
    output:
        R("preprocessed/{case}.npz"),
    params:
        settings=lambda wildcards: as_json(dataset_config(wildcards.dataset)["preprocess"]),
        brain=brain_argument,
    log:
        LOG("preprocess/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench preprocess --image {input.image:q} --mask {input.mask:q} "
        "{params.brain} --out {output:q} --settings {params.settings:q} > {log:q} 2>&1"


rule make_folds:
    input:
        meta=all_cases("meta/{case}.json"),
    output:
        R("folds.json"),
    params:
        k=lambda wildcards: dataset_config(wildcards.dataset)["folds"]["k"],
        seed=lambda wildcards: dataset_config(wildcards.dataset)["folds"]["seed"],
        stratify_by=lambda wildcards: dataset_config(wildcards.dataset)["folds"].get("stratify_by", []),
        val_fraction=lambda wildcards: dataset_config(wildcards.dataset)["folds"].get("val_fraction", 0.2),
        group_by=folds_group_argument,
    log:
        LOG("folds.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench folds --meta {input.meta:q} --out {output:q} --k {params.k} "
        "--seed {params.seed} --stratify-by {params.stratify_by:q} "
        "--val-fraction {params.val_fraction} {params.group_by} > {log:q} 2>&1"
