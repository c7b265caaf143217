"""The whole workflow through Snakemake: config checks, and an end-to-end run of a demo scene.

The end-to-end run uses the real components (renderer, ffmpeg, COLMAP,
nerfstudio, open3d) on a demo plant other than the default one (another seed,
6 fruits) with the `cpu` preset, then checks each stage's output for
substance, not just existence.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from invnerf_seg.cloud_io import read_ply
from invnerf_seg.demo_scene import SceneSpec, build_scene, orbit_camera_to_world, render
from invnerf_seg.metrics import similarity_transform
from tests.config_reruns import NOT_CHANGED, first_jobs, jobs_with_own_reason, leaf_keys, with_key_changed
from tests.posed_data import write_posed_dataset
from tests.workflow_runs import REPO, jobs_of, snakemake, workdir_with_config

# COLMAP needs the demo's 320x240 and 40 frames to pose every frame.
OTHER_DEMO = {"seed": 11, "n_fruits": 6, "width": 320, "height": 240, "video_fps": 10, "duration_s": 8.0, "marker_size": 0.2}


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c["scenes"]["demo"].update(preset="huge"), "preset 'huge'"),  # an unknown preset
        (lambda c: c["frames"].update(fps=-1), "config frames.fps: -1 is less than"),  # a value outside the schema
        (lambda c: c.update(mask_treshold=0.3), "config (top level): Additional properties are not allowed ('mask_treshold'"),  # a typo
        (lambda c: c["scenes"]["demo"].update(video="videos/plant.mp4"), "videos/plant.mp4"),  # a missing video
        (lambda c: c["presets"]["cpu"]["model"].update(hiden_dim=32), "'hiden_dim' is not one of"),  # not a nerfacto option
    ],
    ids=["unknown-preset", "outside-schema", "top-level-typo", "missing-video", "nerfacto-option-typo"],
)
def test_bad_config_is_refused_by_name(tmp_path: Path, edit, named: str):
    result = snakemake(workdir_with_config(tmp_path, edit), "-n")
    assert result.returncode != 0
    assert named in result.stdout + result.stderr
    assert "in schema" not in result.stdout + result.stderr, "the error, not a dump of the schema"


def test_a_yaml_syntax_error_in_the_config_names_its_line(tmp_path: Path):
    workdir = workdir_with_config(tmp_path, lambda config: None)
    lines = (workdir / "config" / "config.yaml").read_text().splitlines()
    broken = next(i for i, line in enumerate(lines) if line.strip().startswith("fps:"))
    lines[broken] = lines[broken].replace("fps:", "fps: [")
    (workdir / "config" / "config.yaml").write_text("\n".join(lines) + "\n")
    result = snakemake(workdir, "-n")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"config/config.yaml line {broken + 2}" in output and "not valid YAML" in output, output


def test_the_workflow_passes_snakemakes_linter(tmp_path: Path):
    result = snakemake(workdir_with_config(tmp_path, lambda config: None), "--lint")
    assert result.returncode == 0 and "Congratulations" in result.stdout + result.stderr, result.stdout + result.stderr


def test_the_workflow_is_formatted_as_snakefmt_formats_it():
    snakefmt = Path(sys.executable).parent / "snakefmt"
    result = subprocess.run([str(snakefmt), "--check", "Snakefile", "rules"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"run `.venv/bin/snakefmt Snakefile rules`: {result.stderr[-2000:]}"


def test_missing_mobilesam_checkpoint_says_where_to_get_it(tmp_path: Path):
    def use_mobilesam(config):
        config["scenes"]["demo"]["masks"] = {"source": "mobilesam", "prompts": "prompts.json"}
        config["mobilesam"]["checkpoint"] = "models/mobile_sam.pt"

    result = snakemake(workdir_with_config(tmp_path, use_mobilesam), "-n")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "models/mobile_sam.pt" in output and "MobileSAM" in output and "weights/mobile_sam.pt" in output


def add_scenes(config: dict, **scenes: dict) -> None:
    for name, scene in scenes.items():
        config["scenes"][name] = {"preset": "cpu", **scene}


def test_several_scenes_of_each_kind_run_from_one_command(tmp_path: Path):
    """data/config/scenes.yaml beside the demo: a video, a labelme-annotated video and a posed dataset in one DAG."""
    shutil.copytree(REPO / "data", tmp_path / "data")
    write_posed_dataset(tmp_path / "data" / "posed" / "tree")
    (tmp_path / "videos").mkdir()
    shutil.copy(REPO / "tests" / "__init__.py", tmp_path / "videos" / "pods.mp4")  # a dry run only needs the file to exist
    workdir = workdir_with_config(tmp_path, lambda c: None)
    result = snakemake(workdir, "-n", "--configfile", "config/config.yaml", "data/config/scenes.yaml")
    assert result.returncode == 0, result.stderr
    jobs = jobs_of(result.stdout)
    assert jobs["import_posed"] == 1 and jobs["frames"] == 2 and jobs["poses"] == 2  # demo and pods are videos
    assert all(jobs[stage] == 3 for stage in ("masks", "nerf_rgb", "nerf_finetune", "sa3d_cloud", "compare"))
    assert "nerf_fruitnerf" not in jobs  # the example config's methods
    assert jobs["count"] == jobs["evaluate"] == 6  # three scenes, two methods
    assert jobs["summary"] == 1


def test_posed_scene_enters_at_training_in_its_own_world(tmp_path: Path):
    """Real run of the posed path up to the NeRF datasets: no frames or poses stage, cameras kept."""
    given = write_posed_dataset(tmp_path / "data" / "posed")
    workdir = workdir_with_config(tmp_path, lambda c: (c["scenes"].clear(), add_scenes(c, tree={"posed": "data/posed", "masks": {"source": "dataset"}})))
    result = snakemake(workdir, "--cores", "2", "results/tree/nerf/data_mask", "results/tree/masks_overlay.png", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rule frames" not in result.stderr and "rule poses" not in result.stderr
    dataset = json.loads((workdir / "results/tree/nerf/data_mask/transforms.json").read_text())
    assert [f["transform_matrix"] for f in dataset["frames"]] == [f["transform_matrix"] for f in given["frames"]]
    assert dataset["fl_x"] == pytest.approx(given["fl_x"])  # 64 px wide: under the cpu preset's 160, not resized
    assert len(list((workdir / "results/tree/masks_overlay").glob("*.png"))) == 6


def test_mobilesam_masks_of_a_video_wait_for_the_poses(tmp_path: Path):
    """Carried prompts need COLMAP's poses and sparse points, so MobileSAM's masks come after the poses stage."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "mobile_sam.pt").write_bytes(b"")  # only its presence is checked by a dry run
    (tmp_path / "prompts.json").write_text(json.dumps({"frames": {"frame_00001.png": [{"points": [[10, 10]], "labels": [1]}]}}))

    def use_mobilesam(config):
        config["scenes"]["demo"]["masks"] = {"source": "mobilesam", "prompts": "prompts.json"}
        config["mobilesam"]["checkpoint"] = "models/mobile_sam.pt"

    result = snakemake(workdir_with_config(tmp_path, use_mobilesam), "-n", "results/demo/masks")
    assert result.returncode == 0, result.stderr
    assert jobs_of(result.stdout).get("poses") == 1


def write_photo_folder(photos: Path, masks: Path, count: int = 14) -> dict[str, np.ndarray]:
    """Renders of a demo plant around a half orbit, saved as a phone would: JPEG, names in no capture order, one turned by EXIF.

    Returns each photo's upright picture by stem; the masks (named like the photos) are the renders' fruit pixels.
    """
    spec = SceneSpec(seed=5, n_fruits=4, width=320, height=240, supersampling=1)
    scene = build_scene(spec)
    photos.mkdir(parents=True)
    masks.mkdir(parents=True)
    order = np.random.default_rng(3).permutation(count)
    upright = {}
    for index in range(count):
        image, labels = render(scene, spec, orbit_camera_to_world(scene, spec, index / 28))
        stem = f"IMG_{4000 + int(order[index])}"
        upright[stem] = image
        Image.fromarray(((labels > 0) * 255).astype(np.uint8)).save(masks / f"{stem}.png")
        if index == 5:  # held sideways: stored a quarter turn back, shown upright through EXIF orientation 6
            exif = Image.Exif()
            exif[0x0112] = 6
            Image.fromarray(np.ascontiguousarray(np.rot90(image, k=1))).save(photos / f"{stem}.JPG", exif=exif, quality=95)
        else:
            Image.fromarray(image).save(photos / f"{stem}.jpg", quality=95)
    return upright


def test_a_photo_folder_is_posed_by_colmap_and_masked(tmp_path: Path):
    """Real run of the photo path to the masks: upright frames named after the photos, COLMAP's exhaustive matching, masks."""
    upright = write_photo_folder(tmp_path / "data" / "photos", tmp_path / "data" / "photo_masks")
    workdir = workdir_with_config(tmp_path, lambda c: (c["scenes"].clear(), add_scenes(
        c, plant={"images": "data/photos", "masks": {"source": "provided", "path": "data/photo_masks"}})))
    result = snakemake(workdir, "--cores", "2", "results/plant/masks_overlay.png", "results/plant/poses/transforms.json", timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rule import_images" in result.stderr and "rule frames" not in result.stderr
    frames = workdir / "results" / "plant" / "frames"
    assert sorted(path.stem for path in frames.glob("*.png")) == sorted(upright)
    for stem, image in upright.items():  # every frame upright, the turned photo too (up to JPEG loss)
        assert np.abs(np.asarray(Image.open(frames / f"{stem}.png")).astype(int) - image.astype(int)).mean() < 6, stem
    assert "exhaustive matching of 14 frames" in (workdir / "logs" / "plant" / "poses.log").read_text()  # photos have no known order
    transforms = json.loads((workdir / "results" / "plant" / "poses" / "transforms.json").read_text())
    assert sorted(Path(frame["file_path"]).stem for frame in transforms["frames"]) == sorted(upright)  # every photo posed
    assert sorted(path.stem for path in (workdir / "results" / "plant" / "masks").glob("*.png")) == sorted(upright)


@pytest.mark.parametrize(
    "scene, message",
    [
        ({"video": "a.mp4", "posed": "data", "masks": {"source": "dataset"}}, "exactly one of `video`"),
        ({"video": "a.mp4", "images": "photos", "masks": {"source": "provided", "path": "m"}}, "exactly one of `video`"),
        ({"posed": "data", "masks": {"source": "dataset"}, "scale": {"camera_distance": {"frames": ["a.png", "b.png"], "metres": 1.0}}},
         "a posed dataset keeps its own units"),
        ({"video": "a.mp4", "masks": {"source": "dataset"}}, "masks.source 'dataset' reads a posed dataset"),
        ({"video": "a.mp4", "masks": {"source": "labelme"}}, "masks.source is 'labelme' but masks.path is not set"),
    ],
)
def test_inconsistent_scenes_are_refused(tmp_path: Path, scene, message):
    result = snakemake(workdir_with_config(tmp_path, lambda c: add_scenes(c, bad=scene)), "-n")
    assert result.returncode != 0 and message in result.stdout + result.stderr


def test_a_bad_truth_file_is_refused_before_any_stage(tmp_path: Path):
    (tmp_path / "truth.json").write_text('{"count": -3}')
    result = snakemake(workdir_with_config(tmp_path, lambda c: c["scenes"]["demo"].update(truth="truth.json")), "-n")
    assert result.returncode != 0 and "truth file truth.json: count: -3 is less than the minimum of 0" in result.stdout + result.stderr


def test_methods_are_chosen_in_the_config(tmp_path: Path):
    result = snakemake(workdir_with_config(tmp_path, lambda c: c.update(methods=["invnerf"])), "-n")
    assert result.returncode == 0, result.stderr
    jobs = jobs_of(result.stdout)
    assert "nerf_fruitnerf" not in jobs and "sa3d_cloud" not in jobs and jobs["count"] == 1 and jobs["compare"] == 1


# The end-to-end run compares InvNeRF-Seg with SA3D, which trains nothing; FruitNeRF's own training
# (about 8 more minutes here) is run for real in tests/test_fruitnerf.py.
E2E_METHODS = ["invnerf", "sa3d"]


def e2e_config(config: dict) -> None:
    config.update(demo=OTHER_DEMO, methods=E2E_METHODS)


@pytest.mark.e2e
def test_demo_end_to_end(tmp_path: Path):
    workdir = workdir_with_config(tmp_path, e2e_config)
    # About 18 minutes on 2 free cores; the limit only guards against a hang (a busy machine took over 30).
    result = snakemake(workdir, "--cores", "2", timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    results = workdir / "results" / "demo"
    truth = json.loads((workdir / "resources" / "demo" / "truth.json").read_text())

    frames = sorted((results / "frames").glob("frame_*.png"))
    assert len(frames) == OTHER_DEMO["duration_s"] * 5
    assert len(list((results / "masks").glob("frame_*.png"))) == len(frames)

    transforms = json.loads((results / "poses" / "transforms.json").read_text())
    assert len(transforms["frames"]) == len(frames), "COLMAP must register every demo frame"

    # The ground markers give the scale: the cameras in metres, as the demo placed them (up to a rotation and shift).
    scale_report = json.loads((results / "scale" / "scale.json").read_text())
    print("scale:", json.dumps({key: scale_report[key] for key in ("metres_per_unit", "estimates", "spread")}))
    assert scale_report["estimates"] >= 10 and scale_report["spread"]["relative_half_range"] < 0.02
    transforms = json.loads((results / "scale" / "transforms.json").read_text())
    points, _ = read_ply(results / "invnerf" / "cloud.ply")
    assert len(points) > 100, "the segmented cloud is empty"
    # Bring the cloud into the demo's world with the camera centres, then check it sits on fruits.
    estimated = np.array([f["transform_matrix"] for f in transforms["frames"]])[:, :3, 3]
    known = np.array([np.asarray(truth["cameras"][Path(f["file_path"]).name])[:3, 3] for f in transforms["frames"]])
    scale, rotation, translation = similarity_transform(estimated, known)
    assert scale == pytest.approx(1.0, abs=0.02), "the scene is in metres"
    aligned = scale * points @ rotation.T + translation
    distances = np.linalg.norm(aligned[:, None] - np.array(truth["centres"])[None], axis=2).min(axis=1)
    near_fruit = distances < 2.0 * max(truth["radii"])
    assert near_fruit.mean() > 0.7, f"only {near_fruit.mean():.0%} of the cloud lies on fruits"

    count = json.loads((results / "invnerf" / "count.json").read_text())
    assert count["count"] == len(count["objects"]) >= 1
    assert all(len(obj["centre"]) == 3 and obj["points"] > 0 and obj["diameter"] > 0 for obj in count["objects"])
    assert count["object_diameter"]["source"] == "masks"
    # The size measured on the masks, in metres, against the truth.
    true_diameter = 2 * np.median(truth["radii"])
    assert abs(count["object_diameter"]["value"] - true_diameter) < 0.25 * true_diameter
    assert count["unit"].startswith("metres")
    with open(results / "invnerf" / "traits.csv") as handle:
        traits = list(csv.DictReader(handle))
    assert [int(row["object_id"]) for row in traits] == list(range(count["count"])) and all(row["unit"] == count["unit"] for row in traits)
    assert all(float(row["length"]) >= float(row["width"]) >= float(row["thickness"]) > 0 for row in traits)
    assert all(int(row["colour_r"]) > int(row["colour_g"]) for row in traits if row["colour_r"])  # red fruits

    metrics = json.loads((results / "invnerf" / "eval" / "metrics.json").read_text())
    assert metrics["count_true"] == OTHER_DEMO["n_fruits"]
    assert abs(metrics["count_error"]) <= 1, metrics
    assert 10.0 < metrics["psnr_mean"] < 60.0
    assert 0.0 <= metrics["iou_mean"] <= 1.0
    print("sizes:", json.dumps(metrics.get("sizes")))
    assert metrics["sizes"]["diameter_error_median_as_stated"] < 0.25  # diameters in metres, as stated
    with open(workdir / "results" / "summary.csv") as handle:
        assert [(row["scene"], row["method"]) for row in csv.DictReader(handle)] == [("demo", "invnerf"), ("demo", "sa3d")]
    with open(results / "comparison.csv") as handle:
        compared = {row["method"]: row for row in csv.DictReader(handle)}
    print("comparison:", json.dumps(compared, indent=1))
    assert list(compared) == E2E_METHODS and compared["invnerf"]["p_iou_vs_invnerf"] == ""
    assert float(compared["sa3d"]["p_psnr_vs_invnerf"]) == 1.0  # SA3D renders with InvNeRF-Seg's RGB model
    assert 0.0 <= float(compared["sa3d"]["p_iou_vs_invnerf"]) <= 1.0 and int(compared["sa3d"]["count_predicted"]) >= 0
    density = json.loads((results / "analysis" / "density_summary.json").read_text())
    print("density:", json.dumps({kind: density[kind] for kind in ("object", "background")}))
    assert all(np.isfinite(density[kind]["optical_depth_after"]) and density[kind]["rays"] >= 4 for kind in ("object", "background"))
    pictures = ["masks_overlay.png", "poses/cameras.png", "invnerf/cloud.png", "invnerf/clusters.png", "invnerf/eval/masks.png", "sa3d/clusters.png",
                "comparison_masks.png", "comparison_clouds.png", "analysis/density_profiles.png", "analysis/training_curves.png",
                "scale/markers.png"]
    for picture in pictures:
        assert Image.open(results / picture).size[0] > 0
    assert "Plotly.newPlot" in (results / "comparison_3d.html").read_text()
    with open(workdir / "results" / "traits.csv") as handle:
        assert sum(row["method"] == "invnerf" for row in csv.DictReader(handle)) == count["count"]
    # The HTML report gathers the tables and pictures (zipped, as `make report` writes it: the 3D views are too big to embed).
    report = snakemake(workdir, "--report", "results/report.zip", timeout=300)
    assert report.returncode == 0, report.stderr[-3000:]
    with zipfile.ZipFile(workdir / "results" / "report.zip") as archive:
        names = archive.namelist()
    assert "report/report.html" in names
    assert any(name.endswith("/comparison_3d.html") for name in names)

    # Nothing changed: nothing reruns.
    assert "Nothing to be done" in snakemake(workdir, "-n").stdout

    # Every config key, changed once on the finished run: only the jobs reading it rerun first.
    base = yaml.safe_load((workdir / "config" / "config.yaml").read_text())
    keys = [key for key in leaf_keys(base) if ".".join(key) not in NOT_CHANGED]
    unread = [key for key in keys if not first_jobs(".".join(key))]
    changes = {"keys no job of this scene reads": (unread, set())}
    changes.update({".".join(key): ([key], first_jobs(".".join(key))) for key in keys if key not in unread})

    def planned(name: str) -> set[str]:
        config = base
        for key in changes[name][0]:
            config = with_key_changed(config, key, workdir)
        changed_file = workdir / "config" / f"changed_{list(changes).index(name)}.yaml"
        changed_file.write_text(yaml.safe_dump(config))
        result = snakemake(workdir, "-n", "--nolock", "--configfile", str(changed_file))
        assert result.returncode == 0, f"{name}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        return jobs_with_own_reason(result.stdout)

    with ThreadPoolExecutor(max_workers=2) as pool:
        seen = dict(zip(changes, pool.map(planned, changes)))
    wrong = {name: {"expected": sorted(changes[name][1]), "planned": sorted(jobs)} for name, jobs in seen.items() if jobs != changes[name][1]}
    assert not wrong, json.dumps(wrong, indent=1)

    # A new frame rate reruns everything from the frames (and the demo's masks, made for those frames).
    workdir_with_config(workdir, lambda config: (e2e_config(config), config["frames"].update(fps=4)))
    rerun = set(jobs_of(snakemake(workdir, "-n").stdout))
    assert {"demo_scene", "frames", "poses", "scale", "masks", "nerf_rgb", "nerf_finetune", "export_cloud", "count", "evaluate"} <= rerun
