rule frames:
    """Extract frames from the scene's video at the configured rate (ffmpeg)."""
    input:
        video=lambda wildcards: scene_config(wildcards)["video"],
    output:
        frames=directory("results/{scene}/frames"),
    wildcard_constraints:
        scene=alternatives(VIDEO_SCENES),
    params:
        fps=config["frames"]["fps"],
        max_width=config["frames"]["max_width"],
        min_frames=config["frames"]["min_frames"],
    log:
        "logs/{scene}/frames.log",
    benchmark:
        "benchmarks/{scene}/frames.tsv",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/extract_frames.py"
