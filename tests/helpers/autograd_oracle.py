"""An independent oracle for a net's gradients: the Sequential cut in two at every layer."""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F


def cut_oracle(module, x, target):
    """(∂L/∂(child i's output) for every child, ∂L/∂input, L) for the cross-entropy of `target`,
    computed in float64 by running children i+1.. on a fresh leaf that holds child i's output."""
    m = copy.deepcopy(module).double().eval()
    children = list(m.children())

    def grad_after(i, h):
        leaf = h.detach().clone().requires_grad_(True)
        out = leaf
        for c in children[i + 1:]:
            out = c(out)
        loss = F.cross_entropy(out.reshape(1, -1), torch.tensor([target]))
        (g,) = torch.autograd.grad(loss, leaf)
        return g[0].numpy(), float(loss.detach())

    h = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]
    input_grad, loss = grad_after(-1, h)
    outs = []
    with torch.no_grad():
        for c in children:
            h = c(h)
            outs.append(h)
    return [grad_after(i, out)[0] for i, out in enumerate(outs)], input_grad[0], loss


def assert_close(got, want):
    """Equal to 1e-5 relative (and to 1e-7 of the largest |value| where the values are near 0)."""
    scale = max(1e-30, float(np.abs(want).max(initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7 * scale)
