# After cross-validation: the post-processing chosen on the fold predictions (nnU-Net's rule),
# the post-processed cross-validation metrics next to the raw ones, and the model bundle
# (models/{experiment}/model.json) that `lesionbench segment` and `export-model` use.


rule choose_postprocessing:
    input:
        predictions=prediction_dirs,
        masks=all_cases("masks/{case}.nii.gz"),
    output:
        R("models/{experiment}/postprocessing.json"),
    params:
        masks=ingested_dir("masks"),
    log:
        LOG("postprocess/{experiment}/select.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench postprocess-select --predictions {input.predictions:q} --masks {params.masks:q} "
        "--out {output:q} > {log:q} 2>&1"


rule postprocess_fold:
    input:
        predictions=R("predictions/{experiment}/fold-{fold}"),
        decision=R("models/{experiment}/postprocessing.json"),
    output:
        directory(R("postprocessed/{experiment}/fold-{fold}")),
    log:
        LOG("postprocess/{experiment}/fold-{fold}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench postprocess-apply --decision {input.decision:q} --in {input.predictions:q} "
        "--out {output:q} > {log:q} 2>&1"


use rule evaluate_experiment as evaluate_postprocessed with:
    input:
        predictions=postprocessed_dirs,
        masks=all_cases("masks/{case}.nii.gz"),
        meta=all_cases("meta/{case}.json"),
        brains=brain_masks,
    output:
        R("metrics/postprocessed/{experiment}.tsv"),
    log:
        LOG("evaluate/postprocessed/{experiment}.log"),


rule bundle_model:
    input:
        checkpoints=fold_checkpoints,
        decision=R("models/{experiment}/postprocessing.json"),
    output:
        R("models/{experiment}/model.json"),
    params:
        settings=bundle_settings,
        model_dir=lambda wildcards: os.path.join(RESULTS, wildcards.dataset, "models", wildcards.experiment),
    log:
        LOG("bundle/{experiment}.log"),
    conda:
        CONDA_ENV
    shell:
        "python -m lesionbench bundle-model --model-dir {params.model_dir:q} --checkpoints {input.checkpoints:q} "
        "--settings {params.settings:q} --postprocessing {input.decision:q} --out {output:q} > {log:q} 2>&1"
