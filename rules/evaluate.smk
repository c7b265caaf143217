rule evaluate:
    """A method's held-out views: PSNR of its RGB model and IoU of its rendered masks; its count against truth."""
    input:
        unpack(truth_files),
        unpack(evaluation_inputs),
        mask_dataset="results/{scene}/nerf/data_mask",
        counts="results/{scene}/{method}/count.json",
        transforms="results/{scene}/poses/transforms.json",
    output:
        metrics="results/{scene}/{method}/eval/metrics.json",
        views="results/{scene}/{method}/eval/views.csv",
        picture="results/{scene}/{method}/eval/masks.png",
        rendered_masks="results/{scene}/{method}/eval/masks.npz",
    log:
        "logs/{scene}/evaluate_{method}.log",
    benchmark:
        "benchmarks/{scene}/evaluate_{method}.tsv"
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    params:
        mask_threshold=config["mask_threshold"],
        settings=evaluation_settings,
        posed=lambda wildcards: wildcards.scene in POSED_SCENES,
    script:
        "../scripts/evaluate.py"


rule compare:
    """The scene's methods side by side: counts, mean IoU and PSNR with paired t-tests, masks and clouds pictures."""
    input:
        metrics=expand("results/{{scene}}/{method}/eval/metrics.json", method=METHODS),
        views=expand("results/{{scene}}/{method}/eval/views.csv", method=METHODS),
        rendered_masks=expand("results/{{scene}}/{method}/eval/masks.npz", method=METHODS),
        clusters=expand("results/{{scene}}/{method}/clusters.ply", method=METHODS),
    output:
        csv=report(
            "results/{scene}/comparison.csv",
            caption="../report/comparison.rst",
            category="Comparison",
            subcategory="{scene}",
            labels={"figure": "table"},
        ),
        json="results/{scene}/comparison.json",
        masks=report(
            "results/{scene}/comparison_masks.png",
            caption="../report/comparison_masks.rst",
            category="Comparison",
            subcategory="{scene}",
            labels={"figure": "held-out masks"},
        ),
        clouds=report(
            "results/{scene}/comparison_clouds.png",
            caption="../report/comparison_clouds.rst",
            category="Comparison",
            subcategory="{scene}",
            labels={"figure": "clustered clouds"},
        ),
    log:
        "logs/{scene}/compare.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        methods=METHODS,
    script:
        "../scripts/compare_methods.py"


rule density_profiles:
    """The paper's field-density analysis: density along object and background rays before and after fine-tuning."""
    input:
        rgb_run="results/{scene}/nerf/rgb",
        seg_run="results/{scene}/nerf/seg",
        mask_dataset="results/{scene}/nerf/data_mask",
    output:
        picture=report(
            "results/{scene}/analysis/density_profiles.png",
            caption="../report/density_profiles.rst",
            category="Field density",
            subcategory="{scene}",
            labels={"figure": "density along rays"},
        ),
        summary="results/{scene}/analysis/density_summary.json",
        profiles="results/{scene}/analysis/density_profiles.npz",
    log:
        "logs/{scene}/density_profiles.log",
    conda:
        ENV
    threads: 2
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=20,
    params:
        settings=config["analysis"],
    script:
        "../scripts/density_profiles.py"


rule training_curves:
    """Loss curves of the scene's NeRF runs, from their tensorboard events."""
    input:
        unpack(training_runs),
    output:
        picture=report(
            "results/{scene}/analysis/training_curves.png",
            caption="../report/training_curves.rst",
            category="Training",
            subcategory="{scene}",
            labels={"figure": "loss curves"},
        ),
    log:
        "logs/{scene}/training_curves.log",
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/training_curves.py"


rule summary:
    """One table of every scene's and method's metrics and counts, and one of every stage's time and peak memory."""
    input:
        metrics=expand("results/{scene}/{method}/eval/metrics.json", scene=SCENES, method=METHODS),
        benchmarks=[f"benchmarks/{scene}/{stage}.tsv" for scene in SCENES for stage in scene_stages(scene)],
    output:
        csv=report("results/summary.csv", caption="../report/summary.rst", category="Summary", labels={"figure": "all scenes and methods"}),
        json="results/summary.json",
        timings=report(
            "results/timings.csv", caption="../report/timings.rst", category="Summary", labels={"figure": "time and memory per stage"}
        ),
    log:
        "logs/summary.log",
    benchmark:
        "benchmarks/summary.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/summarize.py"
