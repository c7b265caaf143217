# What a person reads: the methods side by side per scene, the training curves, the summary over scenes.


rule compare:
    """The scene's methods side by side: counts, mean IoU and PSNR with paired t-tests, masks and clouds pictures, an interactive 3D view."""
    input:
        metrics=expand("results/{{scene}}/{method}/eval/metrics.json", method=METHODS),
        views=expand("results/{{scene}}/{method}/eval/views.csv", method=METHODS),
        rendered_masks=expand("results/{{scene}}/{method}/eval/masks.npz", method=METHODS),
        clusters=expand("results/{{scene}}/{method}/clusters.ply", method=METHODS),
        counts=expand("results/{{scene}}/{method}/count.json", method=METHODS),
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
        view=report(
            "results/{scene}/comparison_3d.html",
            caption="../report/comparison_3d.rst",
            category="Comparison",
            subcategory="{scene}",
            labels={"figure": "interactive 3D view"},
        ),
    log:
        "logs/{scene}/compare.log",
    benchmark:
        "benchmarks/{scene}/compare.tsv"
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
    benchmark:
        "benchmarks/{scene}/training_curves.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/training_curves.py"


rule summary:
    """One table of every scene's and method's metrics and counts, one of every object's traits, and one of every stage's time and peak memory."""
    input:
        metrics=expand("results/{scene}/{method}/eval/metrics.json", scene=SCENES, method=METHODS),
        traits=expand("results/{scene}/{method}/traits.csv", scene=SCENES, method=METHODS),
        benchmarks=[f"benchmarks/{scene}/{stage}.tsv" for scene in SCENES for stage in scene_stages(scene)],
    output:
        csv=report("results/summary.csv", caption="../report/summary.rst", category="Summary", labels={"figure": "all scenes and methods"}),
        json="results/summary.json",
        traits=report(
            "results/traits.csv", caption="../report/traits_summary.rst", category="Summary", labels={"figure": "traits of every object"}
        ),
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
    params:
        logs="logs",
        training_stages=TRAINING_STAGES,
    script:
        "../scripts/summarize.py"
