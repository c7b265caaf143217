rule masks:
    """Object masks for every frame: the user's own, checked and normalised, or MobileSAM's."""
    input:
        unpack(mask_inputs),
        frames="results/{scene}/frames",
    output:
        masks=directory("results/{scene}/masks"),
        overlay="results/{scene}/masks_overlay.png",
    params:
        masks=lambda wildcards: scene_config(wildcards)["masks"],
    log:
        "logs/{scene}/masks.log",
    benchmark:
        "benchmarks/{scene}/masks.tsv",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        ENV
    script:
        "../scripts/prepare_masks.py"
