# How well each method did on a scene: held-out views and counts, and the fine-tuning's field density.


rule render_held_out:
    """A trained model's held-out views (colour, surface), rendered once for every evaluation of the scene: the RGB model's.

    The fine-tuned and FruitNeRF models are rendered by their cloud stages, which have them loaded already.
    """
    input:
        run="results/{scene}/nerf/{run}",
    output:
        renders="results/{scene}/nerf/renders/{run}.npz",
    log:
        "logs/{scene}/render_held_out_{run}.log",
    benchmark:
        "benchmarks/{scene}/render_held_out_{run}.tsv"
    wildcard_constraints:
        run=alternatives(RENDERED_ALONE_RUNS),
    conda:
        ENV
    threads: 8
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    script:
        "../scripts/render_held_out.py"


rule evaluate:
    """A method's held-out views: PSNR of its RGB model and IoU of its rendered masks, read from the renders (no GPU); its count against truth."""
    input:
        unpack(truth_files),
        unpack(evaluation_inputs),
        mask_dataset="results/{scene}/nerf/data_mask",
        counts="results/{scene}/{method}/count.json",
        transforms=scene_transforms,
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
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        iou_threshold=config["iou_threshold"],
        settings=evaluation_settings,
        posed=lambda wildcards: wildcards.scene in POSED_SCENES,
    script:
        "../scripts/evaluate.py"


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
    benchmark:
        "benchmarks/{scene}/density_profiles.tsv"
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
