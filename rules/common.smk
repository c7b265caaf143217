# Shared helpers: scene lookups, checks of the configuration that the schema cannot express.
from pathlib import Path

from snakemake.exceptions import WorkflowError

SCENES = list(config["scenes"])
# Per-scene stages, in DAG order, whose Snakemake benchmarks make results/timings.csv.
SCENE_STAGES = ["frames", "poses", "masks", "nerf_data", "nerf_rgb", "nerf_finetune", "export_cloud", "count", "evaluate"]
ENV = "../envs/invnerf.yaml"


wildcard_constraints:
    scene="|".join(SCENES),


for _name, _scene in config["scenes"].items():
    if _scene["preset"] not in config["presets"]:
        raise WorkflowError(
            f"scene {_name!r} asks for preset {_scene['preset']!r}, which config.presets does not define "
            f"(defined: {', '.join(config['presets'])})"
        )
    if _scene["masks"]["source"] == "provided" and "path" not in _scene["masks"]:
        raise WorkflowError(f"scene {_name!r}: masks.source is 'provided' but masks.path is not set")


def scene_config(wildcards):
    """The config block of the scene a job works on."""
    return config["scenes"][wildcards.scene]


def preset(wildcards):
    """The model preset of the scene a job works on."""
    return config["presets"][scene_config(wildcards)["preset"]]


def truth_files(wildcards):
    """The scene's truth file, when it has one (evaluation works without)."""
    truth = scene_config(wildcards).get("truth")
    return {"truth": truth} if truth else {}


def mask_inputs(wildcards):
    """What the masks stage reads besides the frames: the user's masks or the MobileSAM model."""
    masks = scene_config(wildcards)["masks"]
    if masks["source"] == "provided":
        return {"provided": masks["path"]}
    weights = Path(config["mobilesam"]["checkpoint"])
    if not weights.is_file():
        raise WorkflowError(
            f"MobileSAM checkpoint not found at {weights} (config key mobilesam.checkpoint). "
            "Download mobile_sam.pt once from the MobileSAM project "
            "(github.com/ChaoningZhang/MobileSAM, file weights/mobile_sam.pt) and put it there; "
            "nothing is downloaded at run time."
        )
    if "prompts" not in masks:
        raise WorkflowError(f"scene {wildcards.scene!r}: masks.source is 'mobilesam' but masks.prompts is not set")
    return {"checkpoint": str(weights), "prompts": masks["prompts"]}
