"""The compiled hash grid is nerfstudio's encoding, only faster: same outputs, same gradients, same parameters."""

import torch
from nerfstudio.field_components.encodings import HashEncoding
from nerfstudio.field_components.spatial_distortions import SceneContraction

from invnerf_seg.hash_grid import compile_hash_grids


class Field(torch.nn.Module):
    """A contraction in front of a pure-torch hash grid, as nerfacto's fields and proposal networks have them."""

    def __init__(self) -> None:
        super().__init__()
        self.contraction = SceneContraction(order=float("inf"))
        self.grid = HashEncoding(num_levels=4, log2_hashmap_size=10, max_res=64, implementation="torch")

    def forward(self, positions: torch.Tensor) -> torch.Tensor:
        return self.grid((self.contraction(positions) + 2.0) / 4.0)


def test_the_compiled_grid_gives_the_eager_grids_outputs_and_gradients():
    torch.manual_seed(0)
    eager, compiled = Field(), Field()
    compiled.load_state_dict(eager.state_dict())
    assert compile_hash_grids(compiled) == 1
    assert compiled.state_dict().keys() == eager.state_dict().keys()  # checkpoints stay nerfstudio's
    for rays in (1000, 37):  # any chunk size: the shapes are dynamic
        positions = torch.randn(rays, 24, 3) * 2
        expected, got = eager(positions), compiled(positions)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
        expected.square().sum().backward()
        got.square().sum().backward()
        torch.testing.assert_close(compiled.grid.hash_table.grad, eager.grid.hash_table.grad, rtol=1e-4, atol=1e-6)
        eager.zero_grad()
        compiled.zero_grad()
