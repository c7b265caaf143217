# InvNeRF-Seg: segmented, counted 3D point clouds of fruits and pods from a plant video.
# The stages live in rules/*.smk; their logic in scripts/ and the invnerf_seg package.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/demo.smk"
include: "rules/inputs.smk"
include: "rules/masks.smk"
include: "rules/nerf.smk"
include: "rules/pointcloud.smk"
include: "rules/evaluate.smk"


rule all:
    input:
        "results/summary.csv",
        expand("results/{scene}/comparison.csv", scene=SCENES),
        expand("results/{scene}/{method}/clusters.png", scene=SCENES, method=METHODS),
        expand("results/{scene}/analysis/training_curves.png", scene=SCENES),
        expand("results/{scene}/analysis/density_profiles.png", scene=SCENES if "invnerf" in METHODS else []),
    default_target: True
