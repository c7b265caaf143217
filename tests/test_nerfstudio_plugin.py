"""The invnerf-nerfacto method: registered through the entry point, buildable offline."""

import dataclasses
from pathlib import Path

import torch
import yaml
from nerfstudio.configs.method_configs import all_methods
from nerfstudio.data.scene_box import SceneBox

from invnerf_seg.nerfstudio_method import METHOD_NAME, InvNerfactoModel, InvNerfactoModelConfig, invnerf_nerfacto, lpips_weights_cached


def test_method_is_registered_with_nerfstudio():
    assert METHOD_NAME in all_methods
    assert all_methods[METHOD_NAME].pipeline.model._target is InvNerfactoModel


def test_model_is_nerfacto_and_builds_without_network():
    config = invnerf_nerfacto.config.pipeline.model
    config.implementation = "torch"
    model = config.setup(scene_box=SceneBox(aabb=torch.tensor([[-1.0, -1, -1], [1, 1, 1]])), num_train_data=3, metadata={})
    assert isinstance(model, InvNerfactoModel)
    assert (model.lpips is None) == (not lpips_weights_cached())
    outputs = {"rgb": torch.rand(8, 8, 3), "accumulation": torch.rand(8, 8, 1), "depth": torch.rand(8, 8, 1)}
    outputs.update({f"prop_depth_{i}": torch.rand(8, 8, 1) for i in range(config.num_proposal_iterations)})
    metrics, images = model.get_image_metrics_and_images(outputs, {"image": torch.rand(8, 8, 3)})
    assert "psnr" in metrics and "img" in images
    if model.lpips is None:
        assert "lpips" not in metrics


def _mask_batch() -> dict:
    """Two 10x20 mask images, white on black, with 3 object pixels in all."""
    images = torch.zeros(2, 10, 20, 3)
    images[0, 2, 3] = 1.0
    images[1, 7, 11] = 1.0
    images[1, 7, 12] = torch.tensor([0.0, 1.0, 0.0])  # a class colour, not white: object too
    return {"image": images, "image_idx": torch.tensor([4, 9])}


def test_object_pixels_are_the_bright_ones():
    from invnerf_seg.nerfstudio_method import object_pixels

    assert object_pixels(_mask_batch()["image"]).tolist() == [[0, 2, 3], [1, 7, 11], [1, 7, 12]]


def test_a_margin_adds_the_background_around_each_object_within_the_image():
    from invnerf_seg.nerfstudio_method import object_pixels

    images = torch.zeros(1, 10, 20, 3)
    images[0, 5, 10] = 1.0  # inside: a 5x5 square around it
    images[0, 0, 0] = 1.0  # in a corner: the part of the square inside the image, 3x3
    pixels = {tuple(p) for p in object_pixels(images, margin=2).tolist()}
    assert pixels == {(0, r, c) for r in range(3, 8) for c in range(8, 13)} | {(0, r, c) for r in range(3) for c in range(3)}


def test_sampler_draws_its_share_of_rays_from_object_pixels():
    from invnerf_seg.nerfstudio_method import ObjectSharePixelSamplerConfig

    batch = _mask_batch()
    sampler = ObjectSharePixelSamplerConfig(object_share=0.5).setup(num_rays_per_batch=1000)
    sampled = sampler.sample(batch)
    object_rays = int((sampled["image"].amax(dim=-1) > 0.5).sum())
    assert sampled["image"].shape == (1000, 3)
    assert 500 <= object_rays < 520, "half the batch plus the few that uniform sampling finds"
    assert set(sampled["indices"][:, 0].tolist()) == {4, 9}, "camera indices are the images' own"


def test_sampler_without_a_share_is_nerfstudios_uniform_draw():
    from nerfstudio.data.pixel_samplers import PixelSamplerConfig

    from invnerf_seg.nerfstudio_method import ObjectSharePixelSamplerConfig

    torch.manual_seed(3)
    ours = ObjectSharePixelSamplerConfig().setup(num_rays_per_batch=64).sample(_mask_batch())
    torch.manual_seed(3)
    theirs = PixelSamplerConfig().setup(num_rays_per_batch=64).sample(_mask_batch())
    assert torch.equal(ours["indices"], theirs["indices"])


def test_sampler_refuses_a_share_of_one_or_more():
    import pytest

    from invnerf_seg.nerfstudio_method import ObjectSharePixelSamplerConfig

    with pytest.raises(ValueError, match="object_share"):
        ObjectSharePixelSamplerConfig(object_share=1.0).setup(num_rays_per_batch=8)


def test_the_method_samples_with_the_object_share_sampler():
    from invnerf_seg.nerfstudio_method import ObjectSharePixelSamplerConfig

    sampler = invnerf_nerfacto.config.pipeline.datamanager.pixel_sampler
    assert isinstance(sampler, ObjectSharePixelSamplerConfig) and sampler.object_share == 0.0


def test_colour_head_only_training_freezes_the_density_field():
    import dataclasses

    config = dataclasses.replace(invnerf_nerfacto.config.pipeline.model, implementation="torch", trained_parts="colour_head")
    model = config.setup(scene_box=SceneBox(aabb=torch.tensor([[-1.0, -1, -1], [1, 1, 1]])), num_train_data=3, metadata={})
    trained = {name for name, parameter in model.named_parameters() if parameter.requires_grad and parameter.numel()}
    assert trained and all(name.startswith("field.mlp_head.") for name in trained)
    assert any(name.startswith("field.mlp_base") for name, _ in model.named_parameters())
    whole = dataclasses.replace(invnerf_nerfacto.config.pipeline.model, implementation="torch")
    model = whole.setup(scene_box=SceneBox(aabb=torch.tensor([[-1.0, -1, -1], [1, 1, 1]])), num_train_data=3, metadata={})
    assert all(parameter.requires_grad for parameter in model.parameters())


def test_grid_frozen_until_a_step_then_every_part_trains():
    """The two-part fine-tuning: MLPs only before `trained_parts_until_step`, every part from it (a resumed run past it too)."""
    config = dataclasses.replace(invnerf_nerfacto.config.pipeline.model, implementation="torch", trained_parts="field_mlps", trained_parts_until_step=1005)
    model = config.setup(scene_box=SceneBox(aabb=torch.tensor([[-1.0, -1, -1], [1, 1, 1]])), num_train_data=3, metadata={})
    frozen = {name for name, parameter in model.named_parameters() if not parameter.requires_grad}
    assert any(name.startswith("field.mlp_base.encoding") or name.startswith("field.mlp_base.model.0") for name in frozen)
    assert any(name.startswith("proposal_networks") for name in frozen)
    assert not any(name.startswith(("field.mlp_head.", "field.mlp_base.model.1.")) for name in frozen)
    switch = [callback for callback in model.get_training_callbacks(None) if callback.func == model.train_all_parts_from]
    assert len(switch) == 1
    switch[0].run_callback_at_location(1004, switch[0].where_to_run[0])
    assert not any(parameter.requires_grad for name, parameter in model.named_parameters() if name in frozen)
    switch[0].run_callback_at_location(1005, switch[0].where_to_run[0])
    assert all(parameter.requires_grad for parameter in model.parameters())
    resumed = config.setup(scene_box=SceneBox(aabb=torch.tensor([[-1.0, -1, -1], [1, 1, 1]])), num_train_data=3, metadata={})
    resumed.train_all_parts_from(1200)
    assert all(parameter.requires_grad for parameter in resumed.parameters())
    whole_run = dataclasses.replace(config, trained_parts_until_step=0).setup(scene_box=SceneBox(aabb=torch.tensor([[-1.0, -1, -1], [1, 1, 1]])), num_train_data=3, metadata={})
    assert not any(callback.func == whole_run.train_all_parts_from for callback in whole_run.get_training_callbacks(None))


def test_the_config_schema_lists_exactly_the_model_options():
    """The schema refuses a preset option nerfacto does not have (a typo) before any stage runs, from this list."""
    schema = yaml.safe_load((Path(__file__).resolve().parents[1] / "schemas" / "config.schema.yaml").read_text())
    listed = schema["definitions"]["preset"]["properties"]["model"]["propertyNames"]["enum"]
    assert listed == [f.name for f in dataclasses.fields(InvNerfactoModelConfig) if not f.name.startswith("_")]
