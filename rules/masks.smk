rule masks:
    """Object masks for every frame: the user's masks or annotations, the dataset's, or MobileSAM's."""
    input:
        unpack(mask_inputs),
        frames="results/{scene}/frames",
    output:
        masks=directory("results/{scene}/masks"),
        overlays=directory("results/{scene}/masks_overlay"),
        overlay="results/{scene}/masks_overlay.png",
    log:
        "logs/{scene}/masks.log",
    benchmark:
        "benchmarks/{scene}/masks.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        masks=lambda wildcards: scene_config(wildcards)["masks"],
        carry=mobilesam_carry,
    script:
        "../scripts/prepare_masks.py"
