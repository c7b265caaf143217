"""The clustered clouds of a scene as one interactive 3D view: an HTML file that rotates and zooms offline, with no server.

plotly's JavaScript is written into the file itself (about 4.7 MB), so the
view opens from a results folder copied anywhere, without a network. One
method is shown at a time (a menu switches); hovering an object's centre
shows its traits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go

# Points drawn per method: enough to see every object's shape, little enough for a browser to turn smoothly.
MAX_POINTS = 30_000


def centre_labels(objects: list[dict], unit: str) -> list[str]:
    """Hover text of each object's centre: its id, class and sizes."""
    return [
        f"object {obj['id']}{'' if 'class' not in obj else ', class ' + str(obj['class'])}<br>"
        f"diameter {obj['diameter']:.4g}, volume {obj['volume']:.4g}<br>{obj['points']} points<br>{unit}"
        for obj in objects
    ]


def interactive_clouds(path: Path, clouds: dict[str, tuple[np.ndarray, np.ndarray, list[dict]]], title: str, unit: str, seed: int = 0) -> None:
    """Write the view: per method name, its clustered points, their colours (0 to 1) and its counted objects."""
    rng = np.random.default_rng(seed)
    traces, owners = [], []
    for index, (name, (points, colours, objects)) in enumerate(clouds.items()):
        chosen = rng.choice(len(points), size=min(len(points), MAX_POINTS), replace=False) if len(points) else np.zeros(0, dtype=int)
        rgb = [f"rgb({r},{g},{b})" for r, g, b in np.round(255 * np.clip(colours[chosen], 0, 1)).astype(int)]
        traces.append(go.Scatter3d(
            x=points[chosen, 0], y=points[chosen, 1], z=points[chosen, 2], mode="markers", name=f"{name}: points",
            marker={"size": 2, "color": rgb}, hoverinfo="skip", visible=index == 0,
        ))
        centres = np.array([obj["centre"] for obj in objects]).reshape(-1, 3)
        traces.append(go.Scatter3d(
            x=centres[:, 0], y=centres[:, 1], z=centres[:, 2], mode="markers", name=f"{name}: objects",
            hovertext=centre_labels(objects, unit), hoverinfo="text",
            marker={"size": 5, "color": "black", "symbol": "x"}, visible=index == 0,
        ))
        owners += [index, index]
    buttons = [
        {"label": f"{name} ({len(objects)} objects)", "method": "update", "args": [{"visible": [owner == index for owner in owners]}]}
        for index, (name, (_, _, objects)) in enumerate(clouds.items())
    ]
    figure = go.Figure(traces)
    figure.update_layout(
        title=title, showlegend=False, margin={"l": 0, "r": 0, "t": 60, "b": 0},
        scene={"aspectmode": "data", "xaxis_title": f"x ({unit.split(' (')[0]})", "yaxis_title": "y", "zaxis_title": "z"},
        updatemenus=[{"buttons": buttons, "x": 0.0, "y": 1.0, "xanchor": "left", "yanchor": "top"}],
    )
    figure.write_html(path, include_plotlyjs=True, full_html=True)
