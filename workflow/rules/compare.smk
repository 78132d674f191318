# Paired statistics against the reference model, tables, figures and report items.


rule compare_models:
    input:
        metric_tables,
    output:
        **{
            name: report(
                R(f"stats/{{comparison}}/{filename}"),
                caption=f"../report/stats_{name}.rst",
                category="{dataset}: {comparison}",
                subcategory="Statistics",
            )
            for name, filename in REPORTED_STATS.items()
        },
        markdown=R("stats/{comparison}/table.md"),
        latex=R("stats/{comparison}/table.tex"),
    params:
        settings=compare_settings,
        out_dir=lambda wildcards, output: os.path.dirname(output.tests),
    log:
        LOG("compare/{comparison}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench compare --metrics {input:q} --out-dir {params.out_dir:q} "
        "--settings {params.settings:q} > {log:q} 2>&1"


rule plot_figures:
    input:
        metrics=metric_tables,
        histories=all_histories,
        predictions=all_prediction_dirs,
        images=all_cases("images/{case}.nii.gz"),
        masks=all_cases("masks/{case}.nii.gz"),
        complexity=R("stats/{comparison}/complexity.tsv"),
    output:
        report(
            directory(R("figures/{comparison}")),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="{dataset}: {comparison}",
            subcategory="Figures",
        ),
    params:
        settings=figure_settings,
        histories=model_folders("models"),
        predictions=model_folders("predictions", segmenting_only=True),
        images=ingested_dir("images"),
        masks=ingested_dir("masks"),
    log:
        LOG("figures/{comparison}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench figures --metrics {input.metrics:q} --histories {params.histories:q} "
        "--predictions {params.predictions:q} --images {params.images:q} --masks {params.masks:q} "
        "--complexity {input.complexity:q} "
        "--out-dir {output:q} --settings {params.settings:q} > {log:q} 2>&1"


rule measure_complexity:
    output:
        tsv=R("stats/{comparison}/complexity.tsv"),
        markdown=report(
            R("stats/{comparison}/complexity.md"),
            caption="../report/complexity.rst",
            category="{dataset}: {comparison}",
            subcategory="Statistics",
        ),
    params:
        networks=complexity_networks,
        in_channels=lambda wildcards: input_channels(wildcards.dataset),
        size=lambda wildcards: " ".join(str(n) for n in network_input_size(wildcards.dataset)),
    log:
        LOG("complexity/{comparison}.log"),
    benchmark:
        BENCH("complexity/{comparison}.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench complexity --settings {params.networks:q} "
        "--in-channels {params.in_channels} --size {params.size} --out-tsv {output.tsv:q} "
        "--out-md {output.markdown:q} --repeats 10 --threads 1 > {log:q} 2>&1"
