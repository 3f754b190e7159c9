"""Writes test/fixtures/torch-deep-ritz-gradients.json: PyTorch's gradients.

For fixed parameters theta = (w, a, c, d) and every activation, PyTorch
computes the midpoint-rule Deep Ritz loss exactly as a PyTorch script does
(torch_ritz.ritz_loss: u' by autograd.grad(create_graph=True), then
backward()) and records the loss and d loss / d theta. The test
test/numerics/torch-autodiff.test.ts checks that pinn-sweep's `autodiff`
gradient equals it to rounding, without needing torch.

Each case also records, per gradient component j, the scale
S_j = sum_k |d F_k / d theta_j| / N (F_k the energy density at node k), the
size of the terms whose sum is the component: rounding error is relative to
S_j, not to the (possibly cancelling) sum.

    /usr/bin/python3 bench/torch-gradient-fixture.py [OUT]

The parameters come from random.Random with fixed seeds, so the output is
the same on every run (up to the last bits of torch's libm).
"""

import json
import math
import os
import random
import sys

import torch

import torch_ritz as ritz

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(
    HERE, "..", "test", "fixtures", "torch-deep-ritz-gradients.json"
)


def spread_theta(rng, width):
    """Kinks inside (0, 1): w ~ U(-5, 5), xi ~ U(0, 1), a = -w xi."""
    w = [rng.uniform(-5, 5) for _ in range(width)]
    xi = [rng.uniform(0, 1) for _ in range(width)]
    return {
        "w": w,
        "a": [-wi * x for wi, x in zip(w, xi)],
        "c": [rng.gauss(0, 1) / math.sqrt(width) for _ in range(width)],
        "d": rng.uniform(-0.5, 0.5),
    }


def framework_theta(rng, width):
    """The framework default for Linear(1, W), Linear(W, 1)."""
    bound = 1 / math.sqrt(width)
    return {
        "w": [rng.uniform(-1, 1) for _ in range(width)],
        "a": [rng.uniform(-1, 1) for _ in range(width)],
        "c": [rng.uniform(-bound, bound) for _ in range(width)],
        "d": rng.uniform(-bound, bound),
    }


def kinks_on_nodes_theta(rng, nodes):
    """Three neurons whose kink z = 0 falls exactly on a midpoint node.

    With w in {1, -2, 4} the product w x_k is exact, so z = w x_k + a is
    exactly 0 there: the case where the framework's convention at the
    kink (relu'(0) = 0, leaky_relu'(0) = slope) decides the gradient.
    """
    theta = spread_theta(rng, 6)
    for i, (w, k) in enumerate([(1.0, 5), (-2.0, nodes // 2), (4.0, 20)]):
        x_k = (k + 0.5) / nodes
        theta["w"][i] = w
        theta["a"][i] = -w * x_k
    return theta


def base_cases():
    """Every activation at three kinds of theta, sine problem, ansatz."""
    cases = []
    for index, act in enumerate(ritz.ACTIVATIONS):
        rng = random.Random(1000 + index)
        cases.append(case(act, "spread", spread_theta(rng, 12), 64))
        cases.append(case(act, "framework", framework_theta(rng, 12), 256))
        cases.append(case(act, "kinks-on-nodes", kinks_on_nodes_theta(rng, 32), 32))
    return cases


def extra_cases():
    """Other boundary modes and problems, for a few activations."""
    rng = random.Random(2000)
    return [
        case("tanh", "spread", spread_theta(rng, 10), 128, bc="penalty"),
        case("relu", "spread", spread_theta(rng, 10), 128, bc="penalty",
             problem="variable-kappa"),
        case("sigmoid", "spread", spread_theta(rng, 10), 100,
             bc="sine-ansatz", problem="multiscale"),
        case("relu", "spread", spread_theta(rng, 10), 64, problem="interface"),
        case("softplus", "framework", framework_theta(rng, 10), 96,
             problem="variable-kappa"),
        case("swish", "spread", spread_theta(rng, 8), 50, bc="penalty",
             problem="interface"),
    ]


def case(act, theta_kind, theta, nodes, bc="ansatz", problem="sine"):
    config = {
        "activation": act,
        "width": len(theta["w"]),
        "nodes": nodes,
        "bc": bc,
        "problem": problem,
        "beta": 100.0,
        "interface_k": 10.0,
    }
    return {"theta_kind": theta_kind, "config": config, "theta": theta}


def compute(entry):
    """Adds PyTorch's loss, gradient and their rounding scales to a case."""
    cfg, theta = entry["config"], entry["theta"]
    net = ritz.network(cfg["activation"], cfg["width"])
    ritz.set_theta(net, theta)
    x = ritz.midpoint_nodes(cfg["nodes"])
    kappa_of, b_of = ritz.problem(cfg["problem"], cfg["interface_k"])
    kappa, b = kappa_of(x.detach()), b_of(x.detach())

    used = ritz.theta_of(net)
    assert used == theta, "theta must reach torch unrounded"
    loss = ritz.ritz_loss(net, x, kappa, b, cfg["bc"], cfg["beta"])
    loss.backward()
    entry["loss"] = loss.item()
    entry["gradient"] = ritz.theta_grad(net)
    entry["nodes_on_kinks"] = int((net[0](x.detach()) == 0).sum().item())
    entry["loss_scale"], entry["scale"] = scales(net, x, kappa, b, cfg)
    return entry


def scales(net, x, kappa, b, cfg):
    """sum_k |F_k| / N and, per component, sum_k |dF_k/dtheta_j| / N."""
    params = list(net.parameters())
    dens = ritz.pointwise_energy(net, x, kappa, b, cfg["bc"])[:, 0]
    n = cfg["nodes"]
    loss_scale = dens.abs().sum().item() / n
    total = [torch.zeros_like(p) for p in params]
    for k in range(n):
        grads = torch.autograd.grad(dens[k], params, retain_graph=True)
        for t, g in zip(total, grads):
            t.add_(g.abs() / n)
    if cfg["bc"] == "penalty":
        pen = ritz.boundary_penalty(net, cfg["beta"])
        loss_scale += abs(pen.item())
        for t, g in zip(total, torch.autograd.grad(pen, params)):
            t.add_(g.abs())
    for p, t in zip(params, total):
        p.grad = t
    return loss_scale, ritz.theta_grad(net)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT
    torch.set_num_threads(1)
    cases = [compute(c) for c in base_cases() + extra_cases()]
    for c in cases:
        if c["theta_kind"] == "kinks-on-nodes":
            assert c["nodes_on_kinks"] >= 3, c["config"]
    fixture = {
        "generator": "bench/torch-gradient-fixture.py",
        "torch": torch.__version__,
        "quadrature": "midpoint",
        "cases": cases,
    }
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(out)}")


if __name__ == "__main__":
    main()
