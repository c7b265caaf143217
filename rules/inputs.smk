# Where a scene's frames and cameras come from: a video (frames at the configured rate, then COLMAP
# poses), a folder of photos (upright frames, then COLMAP poses) or a posed dataset (imported as it
# is, in its own world frame); and the demo plant's video.


rule frames:
    """Extract frames from the scene's video at the configured rate (ffmpeg)."""
    input:
        video=lambda wildcards: scene_config(wildcards)["video"],
    output:
        frames=directory("results/{scene}/frames"),
    log:
        "logs/{scene}/frames.log",
    benchmark:
        "benchmarks/{scene}/frames.tsv"
    wildcard_constraints:
        scene=alternatives(VIDEO_SCENES),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        fps=config["frames"]["fps"],
        max_width=config["frames"]["max_width"],
        min_frames=config["frames"]["min_frames"],
    script:
        "../scripts/extract_frames.py"


rule import_images:
    """A folder of photos (JPEG or PNG, any names) becomes the frames: turned upright by EXIF, one size, named after the photos."""
    input:
        photos=lambda wildcards: scene_config(wildcards)["images"],
    output:
        frames=directory("results/{scene}/frames"),
    log:
        "logs/{scene}/import_images.log",
    benchmark:
        "benchmarks/{scene}/import_images.tsv"
    wildcard_constraints:
        scene=alternatives(IMAGE_SCENES),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        max_width=config["frames"]["max_width"],
        min_frames=config["frames"]["min_frames"],
    script:
        "../scripts/import_images.py"


rule poses:
    """Camera poses of the frames by COLMAP (pycolmap), as a nerfstudio transforms.json."""
    input:
        frames="results/{scene}/frames",
    output:
        transforms="results/{scene}/poses/transforms.json",
        sparse="results/{scene}/poses/sparse.json",
        registration="results/{scene}/poses/registration.json",
        colmap=directory("results/{scene}/poses/colmap"),
        picture="results/{scene}/poses/cameras.png",
    log:
        "logs/{scene}/poses.log",
    benchmark:
        "benchmarks/{scene}/poses.tsv"
    wildcard_constraints:
        scene=alternatives(COLMAP_SCENES),
    conda:
        ENV
    threads: 4
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        max_width=config["poses"]["max_width"],
        camera_model=config["poses"]["camera_model"],
        matching=colmap_matching,
        overlap=config["poses"]["sequential_overlap"],
        min_registered_fraction=config["poses"]["min_registered_fraction"],
    script:
        "../scripts/estimate_poses.py"


rule scale:
    """The scene's metric scale from its reference (printed ArUco markers, or a known camera distance), and its cameras in metres."""
    input:
        frames="results/{scene}/frames",
        transforms="results/{scene}/poses/transforms.json",
    output:
        transforms="results/{scene}/scale/transforms.json",
        report="results/{scene}/scale/scale.json",
        picture=report(
            "results/{scene}/scale/markers.png",
            caption="../report/markers.rst",
            category="Scale",
            subcategory="{scene}",
            labels={"figure": "scale markers"},
        ),
    log:
        "logs/{scene}/scale.log",
    benchmark:
        "benchmarks/{scene}/scale.tsv"
    wildcard_constraints:
        scene=alternatives(SCALED_SCENES),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        reference=lambda wildcards: scene_config(wildcards)["scale"],
    script:
        "../scripts/scale_scene.py"


rule import_posed:
    """A posed dataset (transforms.json + images/, FruitNeRF layout) enters here, skipping frames and poses."""
    input:
        posed_transforms=lambda wildcards: posed_transforms(wildcards),
    output:
        frames=directory("results/{scene}/frames"),
        transforms="results/{scene}/poses/transforms.json",
        picture="results/{scene}/poses/cameras.png",
    log:
        "logs/{scene}/import_posed.log",
    benchmark:
        "benchmarks/{scene}/import_posed.tsv"
    wildcard_constraints:
        scene=alternatives(POSED_SCENES),
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/import_posed.py"


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
