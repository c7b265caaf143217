"""The invnerf-nerfacto method: registered through the entry point, buildable offline."""

import torch
from nerfstudio.configs.method_configs import all_methods
from nerfstudio.data.scene_box import SceneBox

from invnerf_seg.nerfstudio_method import METHOD_NAME, InvNerfactoModel, invnerf_nerfacto, lpips_weights_cached


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
