# The embedded default dataset: a procedural head-CT phantom written as DICOM, one job per case.


rule generate_phantom_case:
    output:
        dicom=directory(R("raw/dicom/{case}")),
        mask=R("raw/masks/{case}.nii.gz"),
        brain=R("raw/brain/{case}.nii.gz"),
        truth=R("raw/cases/{case}.json"),
    params:
        index=lambda wildcards: int(wildcards.case.removeprefix("ph")),
        source=lambda wildcards: as_json(phantom_source(wildcards)),
        root=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, "raw"),
    log:
        LOG("phantom/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench phantom {params.root:q} --case-index {params.index} "
        "--settings {params.source:q} > {log:q} 2>&1"
