rule nerf_data:
    """The RGB and the mask dataset of a scene, resized for training, with one shared transforms.json."""
    input:
        transforms=scene_transforms,
        frames="results/{scene}/frames",
        masks="results/{scene}/masks",
    output:
        rgb=directory("results/{scene}/nerf/data_rgb"),
        mask=directory("results/{scene}/nerf/data_mask"),
    log:
        "logs/{scene}/nerf_data.log",
    benchmark:
        "benchmarks/{scene}/nerf_data.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        image_width=lambda wildcards: preset(wildcards)["image_width"],
        multiclass=lambda wildcards: scene_config(wildcards)["masks"].get("multiclass", False),
    script:
        "../scripts/build_nerf_data.py"


rule nerf_rgb:
    """Train nerfacto on the RGB frames (GPU when present)."""
    input:
        dataset="results/{scene}/nerf/data_rgb",
    output:
        run=directory("results/{scene}/nerf/rgb"),
    log:
        "logs/{scene}/nerf_rgb.log",
    benchmark:
        "benchmarks/{scene}/nerf_rgb.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=240,
    params:
        model=lambda wildcards: preset(wildcards)["model"],
        rays_per_batch=lambda wildcards: preset(wildcards)["rays_per_batch"],
        iterations=lambda wildcards: preset(wildcards)["rgb_iterations"],
        learning_rate=lambda wildcards: preset(wildcards)["rgb_lr"],
        eval_interval=config["nerf"]["eval_interval"],
    script:
        "../scripts/train_nerf.py"


rule nerf_finetune:
    """InvNeRF-Seg: the same nerfacto, loaded from the RGB run, trained on the masks as images."""
    input:
        dataset="results/{scene}/nerf/data_mask",
        rgb_dataset="results/{scene}/nerf/data_rgb",
        rgb_run="results/{scene}/nerf/rgb",
    output:
        run=directory("results/{scene}/nerf/seg"),
    log:
        "logs/{scene}/nerf_finetune.log",
    benchmark:
        "benchmarks/{scene}/nerf_finetune.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=120,
    params:
        model=lambda wildcards: preset(wildcards)["model"],
        rays_per_batch=lambda wildcards: preset(wildcards)["rays_per_batch"],
        iterations=lambda wildcards: preset(wildcards)["finetune_iterations"],
        learning_rate=lambda wildcards: preset(wildcards)["finetune_lr"],
        object_share=lambda wildcards: preset(wildcards).get("finetune_object_share", 0.0),
        object_margin=lambda wildcards: preset(wildcards).get("finetune_object_margin", 0),
        grid_frozen_steps=lambda wildcards: preset(wildcards).get("finetune_grid_frozen_steps", 0),
        eval_interval=config["nerf"]["eval_interval"],
    script:
        "../scripts/train_nerf.py"


rule nerf_fruitnerf:
    """FruitNeRF baseline: nerfacto plus a semantic head, trained on RGB and masks at once (same preset as InvNeRF-Seg)."""
    input:
        dataset="results/{scene}/nerf/data_rgb",
        mask_dataset="results/{scene}/nerf/data_mask",
    output:
        run=directory("results/{scene}/nerf/fruitnerf"),
    log:
        "logs/{scene}/nerf_fruitnerf.log",
    benchmark:
        "benchmarks/{scene}/nerf_fruitnerf.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=16000,
        runtime=240,
    params:
        model=lambda wildcards: preset(wildcards)["model"],
        rays_per_batch=lambda wildcards: preset(wildcards)["rays_per_batch"],
        iterations=lambda wildcards: preset(wildcards)["rgb_iterations"],
        learning_rate=lambda wildcards: preset(wildcards)["rgb_lr"],
        eval_interval=config["nerf"]["eval_interval"],
        semantic_loss_weight=config["fruitnerf"]["semantic_loss_weight"],
    script:
        "../scripts/train_nerf.py"
