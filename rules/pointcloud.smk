rule export_cloud:
    """Sample the fine-tuned field: dense, visible samples of a class colour form the segmented cloud."""
    input:
        run="results/{scene}/nerf/seg",
        mask_dataset="results/{scene}/nerf/data_mask",
    output:
        cloud="results/{scene}/invnerf/cloud.ply",
        picture="results/{scene}/invnerf/cloud.png",
    params:
        export=config["export"],
        mask_threshold=config["mask_threshold"],
    log:
        "logs/{scene}/export_cloud.log",
    benchmark:
        "benchmarks/{scene}/export_cloud.tsv",
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    conda:
        ENV
    script:
        "../scripts/export_cloud.py"


rule count:
    """Cluster the cloud into objects per class (outliers, voxels, DBSCAN, merge, split) and count them."""
    input:
        cloud="results/{scene}/invnerf/cloud.ply",
        mask_dataset="results/{scene}/nerf/data_mask",
        masks="results/{scene}/masks",
        transforms="results/{scene}/poses/transforms.json",
    output:
        counts="results/{scene}/invnerf/count.json",
        clusters="results/{scene}/invnerf/clusters.ply",
        picture="results/{scene}/invnerf/clusters.png",
    params:
        settings=config["count"],
    log:
        "logs/{scene}/count.log",
    benchmark:
        "benchmarks/{scene}/count.tsv",
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/count_objects.py"
