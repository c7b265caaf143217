"""Which jobs each config key concerns, and a dry run's account of what it plans and why.

The end-to-end test changes every key of its config once, on a finished run,
and checks with `snakemake -n` that only the jobs reading the key are planned
for a reason of their own (everything after them follows from Snakemake's
input dates). The table is written by hand, from what each stage does: it is
the specification the rules' `params` are checked against.
"""

from __future__ import annotations

import copy
import re
import shutil
from fnmatch import fnmatch
from pathlib import Path

# Key pattern (fnmatch over the dotted path) -> the jobs that must rerun first: "rule" or "rule/method".
# First match wins. Written for the end-to-end config: one video scene "demo", preset cpu, methods invnerf and sa3d.
# Only the first readers are listed: a reader after another one (nerf_finetune after nerf_rgb for the model options)
# reruns anyway, and Snakemake gives it only the upstream reason.
FIRST_JOBS: list[tuple[str, set[str]]] = [
    ("scenes.demo.video", {"frames"}),
    ("scenes.demo.masks.path", {"masks"}),
    ("scenes.demo.masks.encoding", {"masks"}),
    ("scenes.demo.masks.multiclass", {"masks"}),  # and nerf_data
    ("scenes.demo.truth", {"evaluate/invnerf", "evaluate/sa3d"}),
    ("scenes.demo.preset", {"nerf_data"}),  # and the trainings
    ("scenes.demo.scale.*", {"scale"}),  # and everything in metres after it
    ("methods", {"compare"}),  # and summary, which reads compare's benchmark file for results/timings.csv
    ("demo.*", {"demo_scene"}),
    ("frames.fps", {"demo_scene"}),  # and frames: the demo's masks are drawn for the extracted frames
    ("frames.*", {"frames"}),
    ("poses.*", {"poses"}),
    ("mobilesam.*", set()),  # the demo's masks are its own, not MobileSAM's
    ("nerf.eval_interval", {"nerf_rgb"}),  # and nerf_finetune
    ("presets.cpu.image_width", {"nerf_data"}),
    ("presets.cpu.rays_per_batch", {"nerf_rgb"}),  # and nerf_finetune
    ("presets.cpu.rgb_*", {"nerf_rgb"}),
    ("presets.cpu.finetune_*", {"nerf_finetune"}),
    ("presets.cpu.model.*", {"nerf_rgb"}),  # and nerf_finetune
    ("presets.*", set()),  # presets no scene uses
    ("mask_threshold", {"export_cloud"}),  # and evaluate/invnerf, after the export
    ("iou_threshold", {"evaluate/invnerf", "evaluate/sa3d"}),
    ("export.*", {"export_cloud"}),
    ("sa3d.render_radius_spacings", {"evaluate/sa3d"}),
    ("sa3d.*", {"sa3d_cloud"}),
    ("fruitnerf.*", set()),  # FruitNeRF is not among the methods
    ("analysis.*", {"density_profiles"}),
    ("count.*", {"count/invnerf", "count/sa3d"}),
]

# A valid other value for keys whose new value cannot be derived from the old one's type.
OTHER_VALUES = {
    "demo.width": 336,  # multiples of 16
    "demo.height": 256,
    "scenes.demo.masks.encoding": "instance",
    "scenes.demo.preset": "cpu_small_objects",
    "methods": ["invnerf"],
    "poses.camera_model": "PINHOLE",
    "poses.matching": "exhaustive",
    "mobilesam.checkpoint": "elsewhere/mobile_sam.pt",
    "sa3d.variant": "weight",
    "count.object_diameter": 0.5,
    "scenes.demo.scale.marker.dictionary": "DICT_4X4_100",  # its first 50 markers are DICT_4X4_50's
}
# Keys naming files: the new value is a copy of the file under another name (a new input, the same content).
FILE_KEYS = ("scenes.demo.video", "scenes.demo.masks.path", "scenes.demo.truth")
# Not changed here, and why.
NOT_CHANGED = {"scenes.demo.masks.source": "another mask source needs other inputs; tests/test_masks.py and the dry-run tests cover each"}


def leaf_keys(config: dict, prefix: tuple = ()) -> list[tuple[str, ...]]:
    """The dotted paths of every value of a config that is not itself a mapping."""
    keys = []
    for key, value in config.items():
        if isinstance(value, dict) and value:
            keys += leaf_keys(value, prefix + (key,))
        else:
            keys.append(prefix + (key,))
    return keys


def first_jobs(key: str) -> set[str]:
    """The jobs a change of `key` must rerun first, from the table."""
    for pattern, jobs in FIRST_JOBS:
        if fnmatch(key, pattern):
            return jobs
    raise KeyError(f"config key {key} is not in tests/config_reruns.py's table: say which jobs read it")


def other_value(key: str, value):
    """A different value of the same kind, valid under the schema."""
    if key in OTHER_VALUES:
        return OTHER_VALUES[key]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value / 2 if 0 < value < 1 else value + 0.5 if value else 0.1
    if value is None:
        return 96
    if isinstance(value, list) and all(isinstance(item, int) for item in value):
        return [item + 1 for item in value]
    raise ValueError(f"no other value known for {key} = {value!r}: add it to OTHER_VALUES")


def copy_of(workdir: Path, path: str) -> str:
    """A copy of a file or folder of the run, under another name (relative to the working directory)."""
    source = workdir / path
    target = source.with_name("copy_of_" + source.name)
    if not target.exists():
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    return str(target.relative_to(workdir))


def with_key_changed(config: dict, key: tuple[str, ...], workdir: Path) -> dict:
    """The config with one key set to another value."""
    changed = copy.deepcopy(config)
    parent = changed
    for part in key[:-1]:
        parent = parent[part]
    dotted = ".".join(key)
    parent[key[-1]] = copy_of(workdir, parent[key[-1]]) if dotted in FILE_KEYS else other_value(dotted, parent[key[-1]])
    return changed


UPSTREAM_ONLY = re.compile(r"Input files updated by another job:[^;]*;?")


def jobs_with_own_reason(dry_run_output: str) -> set[str]:
    """The jobs of a (non-quiet) dry run planned for a reason of their own: "rule", or "rule/method" for per-method rules.

    A job planned only because a job before it reruns says "Input files
    updated by another job"; changed params, a changed set of input files,
    missing output are its own reasons.
    """
    jobs = set()
    for block in re.split(r"^\[.*\]\n(?=(?:local)?rule )", dry_run_output, flags=re.M):
        rule = re.match(r"(?:local)?rule (\w+):", block)
        reason = re.search(r"^\s+reason: (.*)$", block, flags=re.M)
        if not rule or not reason or not UPSTREAM_ONLY.sub("", reason.group(1)).strip():
            continue
        method = re.search(r"^\s+wildcards: .*\bmethod=(\w+)", block, flags=re.M)
        jobs.add(rule.group(1) + (f"/{method.group(1)}" if method else ""))
    return jobs
