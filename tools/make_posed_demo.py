"""Write the demo plant as a posed dataset (FruitNeRF layout) to try the posed-input path.

    .venv/bin/python tools/make_posed_demo.py data/posed_demo --seed 21 --fruits 8 --views 40

then add a scene `{posed: data/posed_demo, masks: {source: dataset}, truth: data/posed_demo/truth.json, preset: cpu}`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from invnerf_seg.demo_posed import write_posed_demo
from invnerf_seg.demo_scene import SceneSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--fruits", type=int, default=8)
    parser.add_argument("--views", type=int, default=40)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    args = parser.parse_args()
    transforms = write_posed_demo(SceneSpec(seed=args.seed, n_fruits=args.fruits, width=args.width, height=args.height), args.out, args.views)
    print(f"{len(transforms['frames'])} views of a {args.fruits}-fruit plant in {args.out}")


if __name__ == "__main__":
    main()
