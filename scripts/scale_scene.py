"""Snakemake step: the scene's metric scale (ArUco markers or a known camera distance), and its cameras in metres."""

import json
from pathlib import Path

from invnerf_seg.colmap_poses import write_transforms
from invnerf_seg.frames import list_frames
from invnerf_seg.scale import ScaleError, camera_distance_scale, detect_markers, marker_scale, markers_sheet, scaled_transforms
from invnerf_seg.step import fail, start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], snakemake.rule)
    reference = snakemake.params.reference
    frames_dir = Path(snakemake.input.frames)
    transforms = json.loads(Path(snakemake.input.transforms).read_text())
    detections = []
    try:
        if "marker" in reference:
            marker = reference["marker"]
            detections = detect_markers(list_frames(frames_dir), marker["dictionary"], marker.get("ids"))
            logger.info("%d markers of %s found in %d frames", len(detections), marker["dictionary"], len({d.frame for d in detections}))
            scale = marker_scale(detections, transforms, marker["size"])
            source = f"ArUco markers {marker.get('ids', 'any id')} of {marker['dictionary']}, black square {marker['size']} m"
        else:
            distance = reference["camera_distance"]
            scale = camera_distance_scale(transforms, distance["frames"], distance["metres"])
            source = f"{distance['metres']} m between the cameras of {distance['frames'][0]} and {distance['frames'][1]}"
    except ScaleError as error:
        fail(logger, error)
    report = {"unit": "metres", "source": source, **scale}
    Path(snakemake.output.report).write_text(json.dumps(report, indent=2))
    write_transforms(scaled_transforms(transforms, scale["metres_per_unit"]), Path(snakemake.output.transforms))
    markers_sheet(frames_dir, detections, Path(snakemake.output.picture))
    spread = scale.get("spread", {}).get("relative_half_range")
    logger.info("%.6g metres per scene unit from %s (%d estimates%s)", scale["metres_per_unit"], source, scale["estimates"],
                "" if spread is None else f", spread +/- {100 * spread:.1f}% (10th to 90th percentile)")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
