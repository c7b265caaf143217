rule demo_scene:
    """Render the procedural demo plant: orbit video, fruit masks of the frames to be extracted, truth."""
    output:
        video="resources/demo/video.mp4",
        masks=directory("resources/demo/masks"),
        truth="resources/demo/truth.json",
        preview="resources/demo/preview.png",
    log:
        "logs/demo_scene.log",
    benchmark:
        "benchmarks/demo_scene.tsv"
    conda:
        ENV
    threads: 4
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        scene=config.get("demo", {}),
        extract_fps=config["frames"]["fps"],
    script:
        "../scripts/demo_scene.py"
