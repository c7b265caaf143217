rule import_posed:
    """A posed dataset (transforms.json + images/, FruitNeRF layout) enters here, skipping frames and poses."""
    input:
        posed_transforms=lambda wildcards: posed_transforms(wildcards),
    output:
        frames=directory("results/{scene}/frames"),
        transforms="results/{scene}/poses/transforms.json",
        picture="results/{scene}/poses/cameras.png",
    wildcard_constraints:
        scene=alternatives(POSED_SCENES),
    log:
        "logs/{scene}/import_posed.log",
    benchmark:
        "benchmarks/{scene}/import_posed.tsv",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        ENV
    script:
        "../scripts/import_posed.py"
