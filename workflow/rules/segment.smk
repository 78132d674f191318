# Segment-only datasets (`segment:` in the config): folders of new scans without masks, each scan
# segmented by each experiment's model bundle in its own cached job, and one volumes table per
# experiment under results/{name}/segment/{experiment}/.


rule segment_case:
    input:
        unpack(segment_inputs),
    output:
        directory(os.path.join(RESULTS, "{dataset}", "segment", "{experiment}", "cases", "{case}")),
    params:
        arguments=segment_arguments,
    threads: config.get("train_threads", 2)
    resources:
        gpu=config.get("train_gpus", 1),
    log:
        LOG("segment/{experiment}/{case}.log"),
    benchmark:
        BENCH("segment/{experiment}/{case}.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench segment {params.arguments} > {log:q} 2>&1"


rule gather_segment_volumes:
    input:
        segment_case_dirs,
    output:
        os.path.join(RESULTS, "{dataset}", "segment", "{experiment}", "volumes.tsv"),
    params:
        tables=lambda wildcards, input: " ".join(shlex.quote(os.path.join(d, "volumes.tsv")) for d in input),
    log:
        LOG("segment/{experiment}/volumes.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench segment-volumes {params.tables} --out {output:q} > {log:q} 2>&1"
