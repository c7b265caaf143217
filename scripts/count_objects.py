"""Snakemake step: cluster the segmented cloud into objects and count them."""

import json
from pathlib import Path

import numpy as np

from invnerf_seg.cloud_io import cloud_picture, label_colours, read_ply, write_ply
from invnerf_seg.clustering import CountParams, count_objects, describe_objects
from invnerf_seg.step import start_step


def main(snakemake) -> None:
    logger = start_step(snakemake.log[0], "count")
    settings = dict(snakemake.params.settings)
    if settings["object_diameter"] == "auto":
        settings["object_diameter"] = None
    points, _ = read_ply(Path(snakemake.input.cloud))
    sampled, labels, decisions = count_objects(points, CountParams(**settings))
    objects = describe_objects(sampled, labels)
    result = {"count": len(objects), "objects": objects, "clustering": decisions, "frame": "world frame of the scene's transforms.json"}
    Path(snakemake.output.counts).write_text(json.dumps(result, indent=2))
    write_ply(Path(snakemake.output.clusters), sampled, label_colours(labels))
    centres = np.array([obj["centre"] for obj in objects]).reshape(-1, 3)
    cloud_picture(Path(snakemake.output.picture), sampled, label_colours(labels), f"{len(objects)} objects", extra=centres)
    logger.info("%d objects counted (object diameter %.4g, %s)", len(objects), decisions["object_diameter"] or 0, "estimated" if decisions["estimated"] else "from config")


if __name__ == "__main__":
    main(snakemake)  # noqa: F821  (Snakemake injects `snakemake`)
