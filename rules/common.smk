# Shared helpers: scene lookups, checks of the configuration that the schema cannot express.
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

from invnerf_seg.methods import METHODS as KNOWN_METHODS, SCENE_REPORT_STAGES, SHARED_MODEL_STAGES, TRAINING_STAGES, trained_runs
from invnerf_seg.truth import TruthError, read_truth

SCENES = list(config["scenes"])
# The three kinds of scene, by the key that gives their input.
SCENE_KINDS = ("video", "images", "posed")
VIDEO_SCENES = [name for name, scene in config["scenes"].items() if "video" in scene]
IMAGE_SCENES = [name for name, scene in config["scenes"].items() if "images" in scene]
POSED_SCENES = [name for name, scene in config["scenes"].items() if "posed" in scene]
# Scenes whose frames COLMAP poses: videos and photo folders; those of them with a scale reference are rescaled to metres.
COLMAP_SCENES = VIDEO_SCENES + IMAGE_SCENES
SCALED_SCENES = [name for name in COLMAP_SCENES if "scale" in config["scenes"][name]]
# Per-scene stages, in DAG order, whose Snakemake benchmarks make results/timings.csv.
INPUT_STAGES = {"video": ["frames", "poses"], "images": ["import_images", "poses"], "posed": ["import_posed"]}
METHODS = list(config["methods"])
# The NeRF runs every scene trains (results/<scene>/nerf/<run>/): the RGB run and those its methods add.
SCENE_RUNS = trained_runs(METHODS)
# The runs whose held-out views a stage of their own renders: the others are rendered by their method's cloud stage.
RENDERED_ALONE_RUNS = [run for run in SCENE_RUNS if run not in {method.rendered_run for method in KNOWN_METHODS.values()}]
# The per-scene stages whose Snakemake benchmarks make results/timings.csv: the shared ones, then each method's own.
MODEL_STAGES = list(SHARED_MODEL_STAGES) + [stage for method in METHODS for stage in KNOWN_METHODS[method].stages]
ENV = "../envs/invnerf.yaml"


def alternatives(names):
    """A wildcard pattern matching exactly these scene names (nothing when the list is empty)."""
    return "|".join(re.escape(name) for name in names) or "(?!)"


wildcard_constraints:
    scene=alternatives(SCENES),
    method=alternatives(METHODS),


for _name, _scene in config["scenes"].items():
    if sum(kind in _scene for kind in SCENE_KINDS) != 1:
        raise WorkflowError(
            f"scene {_name!r} needs exactly one of `video` (a video file), `images` (a folder of photos) or `posed` (a posed dataset folder)"
        )
    if "scale" in _scene and "posed" in _scene:
        raise WorkflowError(
            f"scene {_name!r}: a posed dataset keeps its own units; `scale` is for videos and photo folders (posed by COLMAP)"
        )
    if _scene["preset"] not in config["presets"]:
        raise WorkflowError(
            f"scene {_name!r} asks for preset {_scene['preset']!r}, which config.presets does not define "
            f"(defined: {', '.join(config['presets'])})"
        )
    _source = _scene["masks"]["source"]
    if _source in ("provided", "labelme") and "path" not in _scene["masks"]:
        raise WorkflowError(f"scene {_name!r}: masks.source is {_source!r} but masks.path is not set")
    if _source == "mobilesam" and "prompts" not in _scene["masks"]:
        raise WorkflowError(f"scene {_name!r}: masks.source is 'mobilesam' but masks.prompts is not set")
    if _source == "dataset" and "posed" not in _scene:
        raise WorkflowError(
            f"scene {_name!r}: masks.source 'dataset' reads a posed dataset's semantics/, but the scene is not a posed dataset"
        )
    if _scene.get("truth") and Path(_scene["truth"]).is_file():  # a truth the workflow makes (the demo's) is checked when evaluated
        try:
            read_truth(Path(_scene["truth"]))
        except TruthError as _error:
            raise WorkflowError(f"scene {_name!r}: {_error}")


def scene_config(wildcards):
    """The config block of the scene a job works on."""
    return config["scenes"][wildcards.scene]


def scene_kind(scene):
    """video, images or posed: which input the scene gives."""
    return next(kind for kind in SCENE_KINDS if kind in config["scenes"][scene])


def scene_stages(scene):
    """The stages a scene runs, in DAG order (posed datasets skip frames and poses)."""
    return INPUT_STAGES[scene_kind(scene)] + (["scale"] if scene in SCALED_SCENES else []) + MODEL_STAGES + list(SCENE_REPORT_STAGES)


def scene_transforms(wildcards):
    """The cameras the NeRF datasets and every 3D output are made in: in metres when the scene has a scale reference."""
    folder = "scale" if wildcards.scene in SCALED_SCENES else "poses"
    return f"results/{wildcards.scene}/{folder}/transforms.json"


def scene_unit(wildcards):
    """The unit of the scene's 3D outputs: metres from its scale reference, a posed dataset's own, or COLMAP's arbitrary scale."""
    if wildcards.scene in SCALED_SCENES:
        return f"metres (scale: results/{wildcards.scene}/scale/scale.json)"
    if wildcards.scene in POSED_SCENES:
        return "units of the posed dataset"
    return "scene units (COLMAP, arbitrary scale)"


def colmap_matching(wildcards):
    """How COLMAP pairs the frames: the scene's `matching`, else exhaustive for photos (in no known order) and poses.matching for videos."""
    default = "exhaustive" if wildcards.scene in IMAGE_SCENES else config["poses"]["matching"]
    return scene_config(wildcards).get("matching", default)


def method_cloud(wildcards):
    """Where a method's segmented cloud comes from: InvNeRF-Seg's export or a baseline's."""
    return f"results/{wildcards.scene}/{wildcards.method}/cloud.ply"


def evaluation_inputs(wildcards):
    """The held-out renders of the trained runs a method's evaluation reads (invnerf_seg/methods.py), and SA3D's cloud, which makes its masks."""
    method = KNOWN_METHODS[wildcards.method]
    inputs = {f"{run}_renders": f"results/{wildcards.scene}/nerf/renders/{run}.npz" for run in method.evaluation_runs}
    if method.masks_from_cloud:
        inputs["cloud"] = f"results/{wildcards.scene}/{method.name}/cloud.ply"
    return inputs


def evaluation_settings(wildcards):
    """The keys of the method's config section that its held-out views read (its registry entry's evaluation_keys)."""
    method = KNOWN_METHODS[wildcards.method]
    return {key: config[method.name][key] for key in method.evaluation_keys}


def training_runs(wildcards):
    """The NeRF runs of a scene whose training curves are drawn: those its methods train."""
    return {f"{run}_run": f"results/{wildcards.scene}/nerf/{run}" for run in SCENE_RUNS}


def preset(wildcards):
    """The model preset of the scene a job works on, with the scene's own far plane when it sets one."""
    chosen = config["presets"][scene_config(wildcards)["preset"]]
    far_plane = scene_config(wildcards).get("far_plane")
    if far_plane is None:
        return chosen
    return {**chosen, "model": {**chosen["model"], "far_plane": far_plane}}


def posed_transforms(wildcards):
    """The transforms.json of a posed scene's dataset."""
    return str(Path(scene_config(wildcards)["posed"]) / "transforms.json")


def truth_files(wildcards):
    """The scene's truth file, when it has one (evaluation works without)."""
    truth = scene_config(wildcards).get("truth")
    return {"truth": truth} if truth else {}


def mobilesam_checkpoint():
    """The MobileSAM weights, or a clear stop saying where to get them."""
    weights = Path(config["mobilesam"]["checkpoint"])
    if not weights.is_file():
        raise WorkflowError(
            f"MobileSAM checkpoint not found at {weights} (config key mobilesam.checkpoint). "
            "Download mobile_sam.pt once from the MobileSAM project "
            "(github.com/ChaoningZhang/MobileSAM, file weights/mobile_sam.pt) and put it there; "
            "nothing is downloaded at run time."
        )
    return str(weights)


def mobilesam_carry(wildcards):
    """The MobileSAM prompt-carrying settings, for MobileSAM scenes only (others must not rerun when they change).

    The checkpoint is an input, not a parameter: a new path to the same file reruns nothing.
    """
    if scene_config(wildcards)["masks"]["source"] != "mobilesam":
        return None
    return {key: value for key, value in config["mobilesam"].items() if key != "checkpoint"}


def mask_inputs(wildcards):
    """What the masks stage reads besides the frames, by mask source.

    MobileSAM also reads the poses, which carry the key frames' prompts to
    the other frames, and for a video scene the COLMAP sparse points.
    """
    masks = scene_config(wildcards)["masks"]
    if masks["source"] == "provided":
        return {"provided": masks["path"]}
    if masks["source"] == "labelme":
        return {"annotations": masks["path"]}
    if masks["source"] == "dataset":
        return {"posed_transforms": posed_transforms(wildcards)}
    inputs = {
        "checkpoint": mobilesam_checkpoint(),
        "prompts": masks["prompts"],
        "transforms": f"results/{wildcards.scene}/poses/transforms.json",
    }
    if wildcards.scene in COLMAP_SCENES:
        inputs["sparse"] = f"results/{wildcards.scene}/poses/sparse.json"
    return inputs
