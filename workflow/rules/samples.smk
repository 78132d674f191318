# Training samples per case: every slice fitted to the network input, stored memory-mappable.
# Augmentation happens in the training job's data loader (online, or a lazy offline expansion).


rule extract_samples:
    input:
        npz=R("preprocessed/{case}.npz"),
        meta=R("meta/{case}.json"),
    output:
        images=R("samples/{layout}/{case}/images.npy"),
        masks=R("samples/{layout}/{case}/masks.npy"),
        index=R("samples/{layout}/{case}/index.json"),
    params:
        settings=sample_settings,
        out_dir=lambda wildcards, output: os.path.dirname(output.index),
    log:
        LOG("samples/{layout}/{case}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench samples --input {input.npz:q} --meta {input.meta:q} --out {params.out_dir:q} "
        "--settings {params.settings:q} > {log:q} 2>&1"
