# InvNeRF-Seg: segmented, counted 3D point clouds of fruits and pods from a plant video.
# The stages live in rules/*.smk; their logic in scripts/ and the invnerf_seg package.
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from invnerf_seg.config_file import ConfigError, check_yaml_syntax, schema_error_line

min_version("9.0")

if Path("config/config.yaml").is_file():
    try:
        check_yaml_syntax(Path("config/config.yaml"))
    except ConfigError as error:
        raise WorkflowError(str(error)) from None


configfile: "config/config.yaml"


try:
    validate(config, "schemas/config.schema.yaml")
except WorkflowError as error:
    raise WorkflowError(schema_error_line(error.__context__ or error)) from None


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/inputs.smk"
include: "rules/masks.smk"
include: "rules/nerf.smk"
include: "rules/clouds.smk"
include: "rules/evaluation.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        "results/summary.csv",
        expand("results/{scene}/comparison.csv", scene=SCENES),
        expand("results/{scene}/{method}/clusters.png", scene=SCENES, method=METHODS),
        expand("results/{scene}/analysis/training_curves.png", scene=SCENES),
        expand("results/{scene}/analysis/density_profiles.png", scene=SCENES if "invnerf" in METHODS else []),
