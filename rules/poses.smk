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
    wildcard_constraints:
        scene=alternatives(VIDEO_SCENES),
    params:
        max_width=config["poses"]["max_width"],
        camera_model=config["poses"]["camera_model"],
        matching=config["poses"]["matching"],
        overlap=config["poses"]["sequential_overlap"],
        min_registered_fraction=config["poses"]["min_registered_fraction"],
    log:
        "logs/{scene}/poses.log",
    benchmark:
        "benchmarks/{scene}/poses.tsv",
    threads: 4
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        ENV
    script:
        "../scripts/estimate_poses.py"
