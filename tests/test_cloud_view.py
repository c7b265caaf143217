"""The interactive 3D view is one self-contained HTML file: every method's clusters and objects, no network needed."""

import base64
import json
import re
from pathlib import Path

import numpy as np

from invnerf_seg.cloud_view import MAX_POINTS, interactive_clouds


def values(array) -> np.ndarray:
    """A trace's coordinates as plotly writes them: a list, or a typed array in base64."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array)


def test_the_view_holds_each_method_and_needs_no_network(tmp_path: Path):
    rng = np.random.default_rng(0)
    objects = [{"id": 0, "centre": [0, 0, 0], "diameter": 0.1, "volume": 5e-4, "points": 10}, {"id": 1, "class": 2, "centre": [1, 0, 0], "diameter": 0.2, "volume": 4e-3, "points": 12}]
    clouds = {
        "invnerf": (rng.normal(size=(50_000, 3)), rng.uniform(size=(50_000, 3)), objects),
        "sa3d": (rng.normal(size=(100, 3)), rng.uniform(size=(100, 3)), objects[:1]),
    }
    path = tmp_path / "view.html"
    interactive_clouds(path, clouds, "plant: clustered clouds", "scene units (COLMAP, arbitrary scale)")
    html = path.read_text()
    assert not re.search(r"<script[^>]+src=", html)  # plotly.js is inline: nothing is fetched
    assert "Plotly.newPlot" in html and len(html) > 3_000_000
    figure = json.loads(re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*\{", html, re.S).group(1))
    assert [trace["name"] for trace in figure] == ["invnerf: points", "invnerf: objects", "sa3d: points", "sa3d: objects"]
    assert [trace["visible"] for trace in figure] == [True, True, False, False]  # one method at a time
    assert [len(values(trace["x"])) for trace in figure] == [MAX_POINTS, 2, 100, 1]  # the large cloud thinned for the browser
    assert figure[1]["hovertext"][1].startswith("object 1, class 2<br>diameter 0.2")
    assert "invnerf (2 objects)" in html and "sa3d (1 objects)" in html
