# The generated datasets, one job per case: the embedded default, a procedural head-CT phantom
# written as DICOM, and the skull-stripped T1 MRI stroke phantom written as NIfTI.


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


rule generate_mri_phantom_case:
    output:
        image=R(f"{MRI_PHANTOM_RAW}/images/{{case}}.nii.gz"),
        mask=R(f"{MRI_PHANTOM_RAW}/masks/{{case}}.nii.gz"),
        brain=R(f"{MRI_PHANTOM_RAW}/brain/{{case}}.nii.gz"),
        truth=R(f"{MRI_PHANTOM_RAW}/cases/{{case}}.json"),
    wildcard_constraints:
        case=r"mr\d+",
    params:
        index=lambda wildcards: int(wildcards.case.removeprefix("mr")),
        source=lambda wildcards: as_json(phantom_source(wildcards, "phantom_mr")),
        root=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, MRI_PHANTOM_RAW),
    log:
        LOG("phantom_mr/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench phantom-mr {params.root:q} --case-index {params.index} "
        "--settings {params.source:q} > {log:q} 2>&1"
