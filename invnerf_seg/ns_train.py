"""`ns-train` as the training stages start it: nerfstudio's own trainer command line, with the quick method list.

`python -m invnerf_seg.ns_train invnerf-nerfacto ...` takes exactly the
arguments of `ns-train invnerf-nerfacto ...` and trains the same way; it only
starts about 8 s sooner (see nerfstudio_startup.py).
"""

from invnerf_seg.nerfstudio_startup import quick_method_list


def main() -> None:
    quick_method_list()
    from nerfstudio.scripts.train import entrypoint

    entrypoint()


if __name__ == "__main__":
    main()
