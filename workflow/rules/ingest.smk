# DICOM to NIfTI in HU, the reference mask on the image grid, metadata without identifiers,
# and the CT brain mask.


rule ingest_case:
    input:
        unpack(ingest_inputs),
    output:
        image=R("images/{case}.nii.gz"),
        mask=R("masks/{case}.nii.gz"),
        meta=R("meta/ingest/{case}.json"),
    params:
        arguments=ingest_arguments,
    log:
        LOG("ingest/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench {params.arguments} > {log:q} 2>&1"


rule compute_brain_mask:
    input:
        image=R("images/{case}.nii.gz"),
    output:
        brain=R("brain/{case}.nii.gz"),
        qc=R("brain/{case}_qc.png"),
    params:
        settings=lambda wildcards: as_json(dataset_config(wildcards.dataset).get("brain_mask", {})),
    log:
        LOG("brain/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench brain-mask {input.image:q} {output.brain:q} --qc {output.qc:q} "
        "--title {wildcards.case} --settings {params.settings:q} > {log:q} 2>&1"
