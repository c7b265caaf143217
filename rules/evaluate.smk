rule evaluate:
    """PSNR of the RGB model and IoU of the fine-tuned masks on held-out views; count against truth."""
    input:
        unpack(truth_files),
        rgb_run="results/{scene}/nerf/rgb",
        seg_run="results/{scene}/nerf/seg",
        mask_dataset="results/{scene}/nerf/data_mask",
        counts="results/{scene}/invnerf/count.json",
        transforms="results/{scene}/poses/transforms.json",
    output:
        metrics="results/{scene}/eval/metrics.json",
        views="results/{scene}/eval/views.csv",
        picture="results/{scene}/eval/masks.png",
    params:
        mask_threshold=config["mask_threshold"],
        posed=lambda wildcards: wildcards.scene in POSED_SCENES,
    log:
        "logs/{scene}/evaluate.log",
    benchmark:
        "benchmarks/{scene}/evaluate.tsv",
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    conda:
        ENV
    script:
        "../scripts/evaluate.py"


rule summary:
    """One table of every scene's metrics and counts, and one of every stage's time and peak memory."""
    input:
        metrics=expand("results/{scene}/eval/metrics.json", scene=SCENES),
        benchmarks=[f"benchmarks/{scene}/{stage}.tsv" for scene in SCENES for stage in scene_stages(scene)],
    output:
        csv="results/summary.csv",
        json="results/summary.json",
        timings="results/timings.csv",
    log:
        "logs/summary.log",
    benchmark:
        "benchmarks/summary.tsv",
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        ENV
    script:
        "../scripts/summarize.py"
