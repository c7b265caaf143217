# Each method's segmented cloud, and its objects counted.


rule export_cloud:
    """Sample the fine-tuned field: dense, visible samples of a class colour form the segmented cloud; the RGB model colours its points.

    It also renders the fine-tuned model's held-out views for the evaluation (loading the model once for both).
    """
    input:
        run="results/{scene}/nerf/seg",
        rgb_run="results/{scene}/nerf/rgb",
        mask_dataset="results/{scene}/nerf/data_mask",
    output:
        cloud="results/{scene}/invnerf/cloud.ply",
        appearance="results/{scene}/invnerf/cloud_rgb.ply",
        picture="results/{scene}/invnerf/cloud.png",
        renders="results/{scene}/nerf/renders/seg.npz",
    log:
        "logs/{scene}/export_cloud.log",
    benchmark:
        "benchmarks/{scene}/export_cloud.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    params:
        export=config["export"],
        mask_threshold=config["mask_threshold"],
    script:
        "../scripts/export_cloud.py"


rule sa3d_cloud:
    """SA3D baseline: foreground-mask rays through the RGB model, samples past the threshold, voted on across views."""
    input:
        rgb_run="results/{scene}/nerf/rgb",
        mask_dataset="results/{scene}/nerf/data_mask",
    output:
        cloud="results/{scene}/sa3d/cloud.ply",
        appearance="results/{scene}/sa3d/cloud_rgb.ply",
        picture="results/{scene}/sa3d/cloud.png",
    log:
        "logs/{scene}/sa3d_cloud.log",
    benchmark:
        "benchmarks/{scene}/sa3d_cloud.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    params:
        method="sa3d",
        settings={key: value for key, value in config["sa3d"].items() if key != "render_radius_spacings"},
    script:
        "../scripts/baseline_cloud.py"


rule fruitnerf_cloud:
    """FruitNeRF baseline: dense, visible samples of its field whose semantic probability passes the threshold; then its held-out views rendered."""
    input:
        fruitnerf_run="results/{scene}/nerf/fruitnerf",
    output:
        cloud="results/{scene}/fruitnerf/cloud.ply",
        appearance="results/{scene}/fruitnerf/cloud_rgb.ply",
        picture="results/{scene}/fruitnerf/cloud.png",
        renders="results/{scene}/nerf/renders/fruitnerf.npz",
    log:
        "logs/{scene}/fruitnerf_cloud.log",
    benchmark:
        "benchmarks/{scene}/fruitnerf_cloud.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    params:
        method="fruitnerf",
        settings={key: value for key, value in config["fruitnerf"].items() if key != "semantic_loss_weight"},
    script:
        "../scripts/baseline_cloud.py"


rule count:
    """Cluster a method's cloud into objects per class (outliers, voxels, DBSCAN, clusters the masks do not show dropped, merge, split), count them, and tabulate their traits."""
    input:
        cloud=method_cloud,
        appearance="results/{scene}/{method}/cloud_rgb.ply",
        mask_dataset="results/{scene}/nerf/data_mask",
        masks="results/{scene}/masks",
        transforms=scene_transforms,
    output:
        counts="results/{scene}/{method}/count.json",
        traits=report(
            "results/{scene}/{method}/traits.csv",
            caption="../report/traits.rst",
            category="Traits",
            subcategory="{scene}",
            labels={"method": "{method}", "table": "traits per object"},
        ),
        clusters="results/{scene}/{method}/clusters.ply",
        picture=report(
            "results/{scene}/{method}/clusters.png",
            caption="../report/clusters.rst",
            category="Clouds",
            subcategory="{scene}",
            labels={"method": "{method}", "figure": "clustered cloud"},
        ),
    log:
        "logs/{scene}/count_{method}.log",
    benchmark:
        "benchmarks/{scene}/count_{method}.tsv"
    conda:
        ENV
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        settings=config["count"],
        one_class=lambda wildcards: KNOWN_METHODS[wildcards.method].one_class,
        unit=scene_unit,
    script:
        "../scripts/count_objects.py"
