# Resampling, windowing and cropping per case; patient-level folds per dataset.


rule preprocess_case:
    input:
        image=R("images/{case}.nii.gz"),
        mask=R("masks/{case}.nii.gz"),
        brain=R("brain/{case}.nii.gz"),
    output:
        R("preprocessed/{case}.npz"),
    params:
        settings=lambda wildcards: as_json(dataset_config(wildcards.dataset)["preprocess"]),
    log:
        LOG("preprocess/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench preprocess --image {input.image:q} --mask {input.mask:q} "
        "--brain {input.brain:q} --out {output:q} --settings {params.settings:q} > {log:q} 2>&1"


rule make_folds:
    input:
        meta=all_cases("meta/{case}.json"),
    output:
        R("folds.json"),
    params:
        settings=lambda wildcards: as_json(dataset_config(wildcards.dataset)["folds"]),
    log:
        LOG("folds.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench folds --meta {input.meta:q} --out {output:q} "
        "--settings {params.settings:q} > {log:q} 2>&1"
