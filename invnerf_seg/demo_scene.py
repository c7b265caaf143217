"""A procedural demo plant, ray-cast on the CPU with numpy.

The demo must run on a laptop with nothing downloaded, yet exercise every stage
for real: COLMAP must register every extracted frame (so the ground and the
backdrop carry high-contrast texture), the NeRF must see a bounded scene (so a
textured backdrop sphere encloses everything and no ray escapes to the sky),
and the count must have a known answer (so fruits are separate spheres whose
centres and per-pixel masks we know exactly). Two printed ArUco markers of a
known size can lie on the ground, so that a metric scale can be found and the
fruits' sizes checked in millimetres.

World frame: metres-like units, z up, the plant's stem on the z axis.
Cameras follow nerfstudio's convention: OpenGL camera-to-world matrices
(x right, y up, camera looking down its -z axis).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage

LIGHT_DIRECTION = np.array([0.4, -0.3, 0.87]) / np.linalg.norm([0.4, -0.3, 0.87])
AMBIENT = 0.45
GROUND_RADIUS = 2.6
BACKDROP_RADIUS = 5.0
BACKGROUND_LABEL = 0
PLANT_LABEL = 1
FRUIT_LABEL_OFFSET = 2  # fruit i carries label FRUIT_LABEL_OFFSET + i
FRUIT_SHAPES = ("round", "pod", "pairs")
# The ground markers: OpenCV's 4x4 ArUco dictionary, ids 0 to 3, around the stem at this distance, a quarter turn
# apart, so that every view of the orbit sees some beside the plant rather than behind it.
MARKER_DICTIONARY = "DICT_4X4_50"
MARKER_IDS = (0, 1, 2, 3)
MARKER_RING = 0.6
MARKER_AZIMUTHS = (np.pi / 4, 3 * np.pi / 4, 5 * np.pi / 4, 7 * np.pi / 4)


@dataclass
class SceneSpec:
    """What the demo rule is asked to make; every field is in the config."""

    seed: int = 0
    n_fruits: int = 10
    width: int = 320
    height: int = 240
    video_fps: int = 10
    duration_s: float = 8.0
    fov_x_deg: float = 55.0
    orbit_radius: float = 1.7
    orbit_centre: str = "plant"  # "plant": the whole plant in view; "fruits": the fruits' centre, for close-ups
    supersampling: int = 2
    fruit_radius: tuple[float, float] = (0.055, 0.075)
    mask_values: str = "binary"  # "binary": fruit 255; "instance": fruit k has grey value k (for masks.encoding: instance)
    marker_size: float | None = None  # side of each ground marker's black square in metres (None: no markers)
    fruit_shape: str = "round"  # "round": spheres; "pod": hanging ellipsoids `pod_elongation` times longer than wide; "pairs": a round fruit with a pod touching it
    pod_elongation: float = 3.0


@dataclass
class Ellipsoid:
    """x = centre + axes @ u for u on the unit sphere; label says what it is."""

    centre: np.ndarray
    axes: np.ndarray
    albedo: np.ndarray
    label: int
    pattern: float = 0.0  # amplitude of a surface stripe pattern (leaf veins, fruit spots)


@dataclass
class GroundMarker:
    """A printed ArUco marker lying flat on the ground: its sheet of cells (quiet zone, black border, bits), 255 white."""

    marker_id: int
    centre: np.ndarray  # (x, y) on the ground
    size: float  # side of the black square
    cells: np.ndarray  # (n + 4) x (n + 4) sheet, row 0 at +y

    @property
    def cell(self) -> float:
        return self.size / (len(self.cells) - 2)


def ground_markers(size: float) -> list[GroundMarker]:
    """The demo's markers of the given size, with a one-cell white margin around each, as printed on paper."""
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, MARKER_DICTIONARY))
    markers = []
    for marker_id, azimuth in zip(MARKER_IDS, MARKER_AZIMUTHS):
        side = dictionary.markerSize + 2
        cells = np.full((side + 2, side + 2), 255, dtype=np.uint8)
        cells[1:-1, 1:-1] = cv2.aruco.generateImageMarker(dictionary, marker_id, side, borderBits=1)
        markers.append(GroundMarker(marker_id, MARKER_RING * np.array([np.cos(azimuth), np.sin(azimuth)]), size, cells))
    return markers


@dataclass
class Scene:
    """Everything needed to render a frame and to state the truth."""

    ellipsoids: list[Ellipsoid]
    fruit_centres: np.ndarray
    fruit_radii: np.ndarray
    fruit_lengths: np.ndarray  # longest extent of each fruit (a round one's diameter)
    ground_texture: np.ndarray
    backdrop_texture: np.ndarray
    look_at: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 0.38]))
    markers: list[GroundMarker] = field(default_factory=list)


def _value_noise(rng: np.random.Generator, shape: tuple[int, int], octaves: list[int]) -> np.ndarray:
    """Multi-octave value noise in [0, 1]: texture with detail at every scale."""
    total = np.zeros(shape)
    for cells in octaves:
        coarse = rng.random((cells, cells))
        total += ndimage.zoom(coarse, (shape[0] / cells, shape[1] / cells), order=1)[: shape[0], : shape[1]]
    total -= total.min()
    return total / max(total.max(), 1e-9)


def _not_fruit_coloured(colours: np.ndarray) -> np.ndarray:
    """Clamp red to at most green: the surroundings of a plant in a growth chamber are not fruit-red.

    A demo littered with fruit-red distractors would test something else than
    the method: the paper's scenes have red fruit among green, brown and grey.
    """
    colours = colours.copy()
    colours[..., 0] = np.minimum(colours[..., 0], colours[..., 1])
    return colours


def _ground_texture(rng: np.random.Generator, size: int = 1024) -> np.ndarray:
    """Soil with pebbles: strong, non-repeating contrast for feature matching."""
    noise = _value_noise(rng, (size, size), [8, 32, 128, 512])
    soil_dark = np.array([0.20, 0.17, 0.12])
    soil_light = np.array([0.52, 0.47, 0.38])
    texture = soil_dark + noise[..., None] * (soil_light - soil_dark)
    n_pebbles = size * size // 300
    ys, xs = rng.integers(0, size, n_pebbles), rng.integers(0, size, n_pebbles)
    colours = _not_fruit_coloured(rng.uniform(0.05, 0.95, (n_pebbles, 3)))
    radii = rng.integers(1, 5, n_pebbles)
    for y, x, r, c in zip(ys, xs, radii, colours):
        texture[max(y - r, 0) : y + r, max(x - r, 0) : x + r] = c
    return np.clip(texture, 0, 1)


def _backdrop_texture(rng: np.random.Generator, height: int = 512, width: int = 2048) -> np.ndarray:
    """A cluttered, colourful surround (like a lab wall with posters)."""
    texture = np.empty((height, width, 3))
    noise = _value_noise(rng, (height, width), [16, 64, 256])
    texture[:] = (0.3 + 0.5 * noise)[..., None]
    for _ in range(900):
        h, w = rng.integers(6, 48, 2)
        y, x = rng.integers(0, height - h), rng.integers(0, width - w)
        texture[y : y + h, x : x + w] = _not_fruit_coloured(rng.uniform(0.0, 1.0, 3))
    return texture


def _rotation_to(direction: np.ndarray) -> np.ndarray:
    """A rotation whose first column is `direction` (the others are arbitrary)."""
    a = direction / np.linalg.norm(direction)
    helper = np.array([0.0, 0.0, 1.0]) if abs(a[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    b = np.cross(helper, a)
    b /= np.linalg.norm(b)
    return np.stack([a, b, np.cross(a, b)], axis=1)


def _hanging_axis(rng: np.random.Generator) -> np.ndarray:
    """A pod's long axis: down and out, tilted at random."""
    hang = np.array([*rng.normal(size=2), -rng.uniform(1.0, 2.5)])
    return hang / np.linalg.norm(hang)


def _place_fruits(rng: np.random.Generator, spec: SceneSpec) -> tuple[list[np.ndarray], list[float], list[np.ndarray | None]]:
    """Centres, radii (a pod's: half its width) and ellipsoid axes of the fruits, apart from each other.

    A lone pod's axes are None: they are drawn with its colour, after all are
    placed, so that the seeds give the same plants as before pairs existed.

    "pairs": each placement is a round fruit with a pod hanging from its
    underside, the pod's tip touching the fruit (a pod as wide as 0.6 of the
    fruit, `pod_elongation` times longer than wide, clear of the ground): two
    objects that touch.
    """
    long_factor = spec.pod_elongation if spec.fruit_shape in ("pod", "pairs") else 1.0
    centres: list[np.ndarray] = []
    radii: list[float] = []
    axes_of: list[np.ndarray | None] = []
    reach: list[tuple[np.ndarray, float]] = []  # each placement's bounding sphere
    attempts = 0
    while len(centres) < spec.n_fruits:
        attempts += 1
        if attempts > 20000:
            raise ValueError(f"cannot place {spec.n_fruits} separate fruits on the demo plant; ask for fewer")
        radius = rng.uniform(*spec.fruit_radius)
        azimuth = rng.uniform(0, 2 * np.pi)
        distance = rng.uniform(0.2, 0.38)
        candidate = np.array([distance * np.cos(azimuth), distance * np.sin(azimuth), rng.uniform(0.14, 0.78)])
        if spec.fruit_shape == "pairs":
            hang = _hanging_axis(rng)
            pod_radius = 0.6 * radius
            pod_centre = candidate + (radius + long_factor * pod_radius) * hang
            bound = (0.5 * (candidate + pod_centre - radius * hang), radius + long_factor * pod_radius)
            placed = [(candidate, radius, np.eye(3) * radius), (pod_centre, pod_radius, _rotation_to(hang) @ np.diag([long_factor * pod_radius, pod_radius, pod_radius]))]
            above_ground = pod_centre[2] - long_factor * pod_radius > 0.03
        else:
            bound = (candidate, long_factor * radius)
            placed = [(candidate, radius, np.eye(3) * radius if spec.fruit_shape == "round" else None)]
            above_ground = True
        if above_ground and all(np.linalg.norm(bound[0] - other) > bound[1] + other_reach + 0.05 for other, other_reach in reach):
            reach.append(bound)
            for centre, object_radius, axes in placed:
                centres.append(centre)
                radii.append(object_radius)
                axes_of.append(axes)
    return centres, radii, axes_of


def build_scene(spec: SceneSpec) -> Scene:
    """Place a stem, leaves and `n_fruits` fruits from the seed, apart from each other (but for the pod and fruit of a pair)."""
    rng = np.random.default_rng(spec.seed)
    stem_height = 0.85
    ellipsoids = [
        Ellipsoid(
            np.array([0.0, 0.0, stem_height / 2]),
            np.diag([0.018, 0.018, stem_height / 2]),
            np.array([0.30, 0.45, 0.15]),
            PLANT_LABEL,
        )
    ]
    for _ in range(11):
        azimuth = rng.uniform(0, 2 * np.pi)
        height = rng.uniform(0.15, stem_height)
        length = rng.uniform(0.11, 0.16)
        direction = np.array([np.cos(azimuth), np.sin(azimuth), rng.uniform(0.1, 0.5)])
        rotation = _rotation_to(direction)
        axes = rotation @ np.diag([length, 0.045, 0.008])
        centre = np.array([0.0, 0.0, height]) + length * 0.9 * direction / np.linalg.norm(direction)
        green = np.array([0.12, rng.uniform(0.42, 0.62), 0.10])
        ellipsoids.append(Ellipsoid(centre, axes, green, PLANT_LABEL, pattern=0.25))

    if spec.fruit_shape not in FRUIT_SHAPES:
        raise ValueError(f"demo fruit_shape must be one of {', '.join(FRUIT_SHAPES)}, not {spec.fruit_shape!r}")
    if spec.fruit_shape == "pairs" and spec.n_fruits % 2:
        raise ValueError(f"demo fruit_shape 'pairs' needs an even n_fruits (a round fruit and a pod per pair), not {spec.n_fruits}")
    centres, radii, axes_of = _place_fruits(rng, spec)
    for index, (centre, radius) in enumerate(zip(centres, radii)):
        red = np.array([rng.uniform(0.75, 0.95), rng.uniform(0.08, 0.3), 0.06])
        if axes_of[index] is None:  # a lone pod, hanging
            axes_of[index] = _rotation_to(_hanging_axis(rng)) @ np.diag([spec.pod_elongation * radius, radius, radius])
        axes = axes_of[index]
        ellipsoids.append(Ellipsoid(centre, axes, red, FRUIT_LABEL_OFFSET + index, pattern=0.15))

    scene = Scene(
        ellipsoids=ellipsoids,
        fruit_centres=np.array(centres),
        fruit_radii=np.array(radii),
        fruit_lengths=np.array([2 * np.linalg.svd(axes, compute_uv=False).max() for axes in axes_of]),
        ground_texture=_ground_texture(rng),
        backdrop_texture=_backdrop_texture(rng),
        markers=ground_markers(spec.marker_size) if spec.marker_size else [],
    )
    if spec.orbit_centre == "fruits":
        scene.look_at = scene.fruit_centres.mean(axis=0)
    elif spec.orbit_centre != "plant":
        raise ValueError(f"demo orbit_centre must be 'plant' or 'fruits', not {spec.orbit_centre!r}")
    return scene


def orbit_camera_to_world(scene: Scene, spec: SceneSpec, phase: float) -> np.ndarray:
    """OpenGL camera-to-world on a wavy orbit; phase in [0, 1) is one turn.

    The elevation swings between about 18 and 42 degrees so that the views are
    not coplanar, which steadies both COLMAP and the NeRF.
    """
    azimuth = 2 * np.pi * phase
    elevation = np.deg2rad(30.0 + 12.0 * np.sin(4 * np.pi * phase))
    position = scene.look_at + spec.orbit_radius * np.array(
        [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
    )
    back = position - scene.look_at
    back /= np.linalg.norm(back)
    right = np.cross(np.array([0.0, 0.0, 1.0]), back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    c2w = np.eye(4)
    c2w[:3, 0], c2w[:3, 1], c2w[:3, 2], c2w[:3, 3] = right, up, back, position
    return c2w


def focal_length(spec: SceneSpec) -> float:
    """Pinhole focal length in pixels for the spec's horizontal field of view."""
    return 0.5 * spec.width / np.tan(np.deg2rad(spec.fov_x_deg) / 2)


def camera_rays(c2w: np.ndarray, width: int, height: int, focal: float, supersampling: int) -> tuple[np.ndarray, np.ndarray]:
    """Ray origins and unit directions, `supersampling`^2 per pixel, row-major."""
    offsets = (np.arange(supersampling) + 0.5) / supersampling
    us = (np.arange(width)[:, None] + offsets[None, :]).reshape(-1)
    vs = (np.arange(height)[:, None] + offsets[None, :]).reshape(-1)
    u, v = np.meshgrid(us, vs)
    directions_cam = np.stack([(u - width / 2) / focal, -(v - height / 2) / focal, -np.ones_like(u)], axis=-1)
    directions = directions_cam.reshape(-1, 3) @ c2w[:3, :3].T
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    origins = np.broadcast_to(c2w[:3, 3], directions.shape)
    return origins, directions


def _shade(albedo: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Lambertian shading with a fixed light: view-independent, as a NeRF expects."""
    diffuse = np.clip(normals @ LIGHT_DIRECTION, 0.0, 1.0)
    return albedo * (AMBIENT + (1 - AMBIENT) * diffuse)[:, None]


def _sample_texture(texture: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Nearest-texel lookup with coordinates given in [0, 1)."""
    h, w = texture.shape[:2]
    return texture[np.clip((rows * h).astype(int), 0, h - 1), np.clip((cols * w).astype(int), 0, w - 1)]


def trace(scene: Scene, origins: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colour and label of the nearest surface along each ray."""
    n_rays = len(directions)
    nearest = np.full(n_rays, np.inf)
    colours = np.zeros((n_rays, 3))
    labels = np.full(n_rays, BACKGROUND_LABEL, dtype=np.int32)

    # Backdrop sphere around the origin: every ray from inside hits it.
    b = np.einsum("ij,ij->i", origins, directions)
    c = np.einsum("ij,ij->i", origins, origins) - BACKDROP_RADIUS**2
    t_backdrop = -b + np.sqrt(np.maximum(b * b - c, 0.0))
    hits = origins + t_backdrop[:, None] * directions
    azimuth = (np.arctan2(hits[:, 1], hits[:, 0]) / (2 * np.pi)) % 1.0
    elevation = np.arcsin(np.clip(hits[:, 2] / BACKDROP_RADIUS, -1, 1)) / np.pi + 0.5
    nearest[:] = t_backdrop
    colours[:] = _sample_texture(scene.backdrop_texture, 1 - elevation, azimuth)

    # Ground disc at z = 0.
    with np.errstate(divide="ignore", invalid="ignore"):
        t_ground = -origins[:, 2] / directions[:, 2]
    ground_hits = origins + np.nan_to_num(t_ground, nan=np.inf, posinf=np.inf, neginf=np.inf)[:, None] * directions
    on_ground = (t_ground > 1e-6) & (t_ground < nearest) & (np.hypot(ground_hits[:, 0], ground_hits[:, 1]) < GROUND_RADIUS)
    nearest[on_ground] = t_ground[on_ground]
    texel = (ground_hits[on_ground, :2] / (2 * GROUND_RADIUS)) + 0.5
    albedo = _sample_texture(scene.ground_texture, texel[:, 1], texel[:, 0])
    for marker in scene.markers:  # paper on the soil: matte white and black cells
        cells = (ground_hits[on_ground, :2] - marker.centre) / marker.cell + len(marker.cells) / 2
        on_paper = np.all((cells >= 0) & (cells < len(marker.cells)), axis=1)
        column, row = np.floor(cells[on_paper]).astype(int).T
        albedo[on_paper] = (0.05 + 0.8 * marker.cells[len(marker.cells) - 1 - row, column] / 255.0)[:, None]
    colours[on_ground] = _shade(albedo, np.tile([0.0, 0.0, 1.0], (on_ground.sum(), 1)))

    for ellipsoid in scene.ellipsoids:
        # Only rays passing within the bounding sphere can hit: test those alone.
        bound = np.linalg.svd(ellipsoid.axes, compute_uv=False).max()
        to_centre = ellipsoid.centre - origins
        along = np.einsum("ij,ij->i", to_centre, directions)
        candidates = np.flatnonzero(np.einsum("ij,ij->i", to_centre, to_centre) - along**2 < bound**2)
        if len(candidates) == 0:
            continue
        inverse = np.linalg.inv(ellipsoid.axes)
        local_origins = (origins[candidates] - ellipsoid.centre) @ inverse.T
        local_directions = directions[candidates] @ inverse.T
        a = np.einsum("ij,ij->i", local_directions, local_directions)
        b = np.einsum("ij,ij->i", local_origins, local_directions)
        c = np.einsum("ij,ij->i", local_origins, local_origins) - 1.0
        discriminant = b * b - a * c
        t = np.where(discriminant > 0, (-b - np.sqrt(np.maximum(discriminant, 0.0))) / a, np.inf)
        closer = (t > 1e-6) & (t < nearest[candidates])
        if not closer.any():
            continue
        rays = candidates[closer]
        nearest[rays] = t[closer]
        local_points = local_origins[closer] + t[closer, None] * local_directions[closer]
        normals = local_points @ inverse
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        pattern = 1.0 + ellipsoid.pattern * np.cos(18.0 * local_points[:, 0]) * np.cos(9.0 * local_points[:, 2])
        colours[rays] = _shade(np.clip(ellipsoid.albedo * pattern[:, None], 0, 1), normals)
        labels[rays] = ellipsoid.label
    return colours, labels


def scene_truth(scene: Scene) -> dict:
    """What the demo knows for evaluation: fruit count, centres and radii (world frame of the scene)."""
    return {
        "count": int(len(scene.fruit_centres)),
        "centres": scene.fruit_centres.tolist(),
        "radii": scene.fruit_radii.tolist(),
        "object_diameter": float(2 * np.median(scene.fruit_radii)),
        "lengths": scene.fruit_lengths.tolist(),
        **({"markers": {"dictionary": MARKER_DICTIONARY, "ids": [m.marker_id for m in scene.markers], "size": scene.markers[0].size}}
           if scene.markers else {}),
    }


def render(scene: Scene, spec: SceneSpec, c2w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An 8-bit RGB image and the fruit-instance label image (0 = not a fruit).

    A pixel belongs to a fruit when most of its sub-samples hit that fruit, so
    the mask is exactly what a careful annotator would draw.
    """
    s = spec.supersampling
    origins, directions = camera_rays(c2w, spec.width, spec.height, focal_length(spec), s)
    colours, labels = trace(scene, origins, directions)
    colours = colours.reshape(spec.height, s, spec.width, s, 3).mean(axis=(1, 3))
    labels = labels.reshape(spec.height, s, spec.width, s).transpose(0, 2, 1, 3).reshape(spec.height, spec.width, s * s)
    fruit_ids = np.where(labels >= FRUIT_LABEL_OFFSET, labels - FRUIT_LABEL_OFFSET + 1, 0)
    covered = 2 * (fruit_ids > 0).sum(axis=-1) > s * s
    instance = np.where(covered, fruit_ids.max(axis=-1), 0)
    image = np.clip(np.round(colours * 255), 0, 255).astype(np.uint8)
    return image, instance.astype(np.int32)
