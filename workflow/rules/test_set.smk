# A dataset's held-out test set (datasets.<d>.test, or the phantom's test_cases): every experiment
# predicts it with the ensemble of its fold models, then the chosen post-processing; metrics,
# paired tests and figures as for cross-validation, under results/{dataset}/test/.


rule predict_test:
    input:
        checkpoints=ensemble_checkpoints,
        folds=R("folds.json"),
        preprocessed=all_cases("preprocessed/{case}.npz"),
        images=all_cases("images/{case}.nii.gz"),
    output:
        directory(R("test/predictions/{experiment}/ensemble")),
    params:
        settings=predict_settings,
        preprocessed=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, "preprocessed"),
        images=ingested_dir("images"),
    threads: config.get("train_threads", 2)
    resources:
        gpu=config.get("train_gpus", 1),
    log:
        LOG("predict/{experiment}/test.log"),
    benchmark:
        BENCH("predict/{experiment}/test.tsv")
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench predict --checkpoint {input.checkpoints:q} --folds {input.folds:q} --test-set "
        "--preprocessed {params.preprocessed:q} --images {params.images:q} --out-dir {output:q} "
        "--settings {params.settings:q} > {log:q} 2>&1"


use rule postprocess_fold as postprocess_test with:
    input:
        predictions=R("test/predictions/{experiment}/ensemble"),
        decision=R("models/{experiment}/postprocessing.json"),
    output:
        directory(R("test/postprocessed/{experiment}/ensemble")),
    log:
        LOG("postprocess/{experiment}/test.log"),


use rule evaluate_experiment as evaluate_test with:
    input:
        predictions=R("test/predictions/{experiment}/ensemble"),
        masks=all_cases("masks/{case}.nii.gz"),
        meta=all_cases("meta/{case}.json"),
        brains=brain_masks,
    output:
        R("test/metrics/{experiment}.tsv"),
    log:
        LOG("evaluate/test/{experiment}.log"),


use rule evaluate_experiment as evaluate_test_postprocessed with:
    input:
        predictions=R("test/postprocessed/{experiment}/ensemble"),
        masks=all_cases("masks/{case}.nii.gz"),
        meta=all_cases("meta/{case}.json"),
        brains=brain_masks,
    output:
        R("test/metrics/postprocessed/{experiment}.tsv"),
    log:
        LOG("evaluate/test/postprocessed/{experiment}.log"),


use rule compare_models as compare_test with:
    input:
        test_metric_tables,
    output:
        **{
            name: report(
                R(f"test/stats/{{comparison}}/{filename}"),
                caption=f"../report/stats_{name}.rst",
                category="{dataset}: {comparison}, test set",
                subcategory="Statistics",
            )
            for name, filename in REPORTED_STATS.items()
        },
        markdown=R("test/stats/{comparison}/table.md"),
        latex=R("test/stats/{comparison}/table.tex"),
    log:
        LOG("compare/test/{comparison}.log"),


use rule plot_figures as plot_test_figures with:
    input:
        metrics=test_metric_tables,
        histories=all_histories,
        predictions=all_test_prediction_dirs,
        images=all_cases("images/{case}.nii.gz"),
        masks=all_cases("masks/{case}.nii.gz"),
        complexity=R("stats/{comparison}/complexity.tsv"),
    output:
        report(
            directory(R("test/figures/{comparison}")),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="{dataset}: {comparison}, test set",
            subcategory="Figures",
        ),
    params:
        settings=figure_settings,
        histories=model_folders("models"),
        predictions=model_folders("test/predictions", segmenting_only=True),
        images=ingested_dir("images"),
        masks=ingested_dir("masks"),
    log:
        LOG("figures/test/{comparison}.log"),
