"""The Deep Ritz workload of pinn-sweep, written the way a PyTorch user would.

A 1 -> W -> 1 network in float64, a fixed grid of midpoint nodes that
require grad, u' by ``torch.autograd.grad(..., create_graph=True)``, the
energy loss, then ``backward()``. Shared by the speed reference
(torch-deep-ritz.py) and the gradient fixture (torch-gradient-fixture.py),
so the fixture checks exactly the computation the benchmark times.
The maths is in shared/deep-ritz.md of the project notes and in the README.
"""

import math

import torch
from torch import nn


class Relu2(nn.Module):
    """ReLU squared, relu(z) ** 2 (C1, kink in sigma')."""

    def forward(self, z):
        return torch.relu(z) ** 2


class Sin(nn.Module):
    """sin(z)."""

    def forward(self, z):
        return torch.sin(z)


def activation(name):
    """The torch module for one of pinn-sweep's activation names."""
    modules = {
        "relu": lambda: nn.ReLU(),
        "leaky-relu": lambda: nn.LeakyReLU(0.01),
        "relu2": lambda: Relu2(),
        "tanh": lambda: nn.Tanh(),
        "sigmoid": lambda: nn.Sigmoid(),
        "swish": lambda: nn.SiLU(),
        "softplus": lambda: nn.Softplus(),
        "gelu": lambda: nn.GELU(approximate="tanh"),
        "sin": lambda: Sin(),
    }
    if name not in modules:
        allowed = ", ".join(modules)
        raise ValueError(f"unknown activation {name!r}; allowed: {allowed}")
    return modules[name]()


ACTIVATIONS = [
    "relu",
    "leaky-relu",
    "relu2",
    "tanh",
    "sigmoid",
    "swish",
    "softplus",
    "gelu",
    "sin",
]


def network(act, width):
    """Sequential(Linear(1, W), sigma, Linear(W, 1)) in float64."""
    return nn.Sequential(
        nn.Linear(1, width), activation(act), nn.Linear(width, 1)
    ).double()


def set_theta(net, theta):
    """Loads theta = {w, a, c, d} (lists) into the network's parameters."""
    first, last = net[0], net[2]

    def exact(values):
        # torch.tensor would default to float32 and round theta.
        return torch.tensor(values, dtype=torch.float64)

    with torch.no_grad():
        first.weight.copy_(exact(theta["w"]).reshape(-1, 1))
        first.bias.copy_(exact(theta["a"]))
        last.weight.copy_(exact(theta["c"]).reshape(1, -1))
        last.bias.fill_(theta["d"])


def theta_of(net):
    """The network's parameters as {w, a, c, d}."""
    first, last = net[0], net[2]
    return {
        "w": first.weight[:, 0].tolist(),
        "a": first.bias.tolist(),
        "c": last.weight[0, :].tolist(),
        "d": last.bias[0].item(),
    }


def theta_grad(net):
    """The gradient held by the network's parameters, as {w, a, c, d}."""
    first, last = net[0], net[2]
    return {
        "w": first.weight.grad[:, 0].tolist(),
        "a": first.bias.grad.tolist(),
        "c": last.weight.grad[0, :].tolist(),
        "d": last.bias.grad[0].item(),
    }


def midpoint_nodes(n):
    """Nodes (k + 1/2)/n, k = 0..n-1, as an (n, 1) leaf requiring grad."""
    k = torch.arange(n, dtype=torch.float64)
    return ((k + 0.5) / n).reshape(-1, 1).requires_grad_(True)


PI = math.pi


def problem(name, interface_k=10.0):
    """kappa(x) and b(x) of a problem, as functions of a tensor x."""
    if name == "sine":
        return (lambda x: torch.ones_like(x)), (
            lambda x: PI**2 * torch.sin(PI * x)
        )
    if name == "variable-kappa":
        return (lambda x: 1 + x), (
            lambda x: PI**2 * (1 + x) * torch.sin(PI * x)
            - PI * torch.cos(PI * x)
        )
    if name == "multiscale":
        return (lambda x: torch.ones_like(x)), (
            lambda x: PI**2 * torch.sin(PI * x)
            + 6.4 * PI**2 * torch.sin(8 * PI * x)
        )
    if name == "interface":
        return (
            lambda x: torch.where(
                x < 0.5, torch.ones_like(x), torch.full_like(x, interface_k)
            )
        ), (lambda x: torch.ones_like(x))
    raise ValueError(f"unknown problem {name!r}")


def trial(net, x, bc):
    """u(x) for the boundary mode: x(1-x)N, sin(pi x)N or N."""
    if bc == "ansatz":
        return x * (1 - x) * net(x)
    if bc == "sine-ansatz":
        return torch.sin(PI * x) * net(x)
    if bc == "penalty":
        return net(x)
    raise ValueError(f"unknown boundary mode {bc!r}")


def pointwise_energy(net, x, kappa, b, bc):
    """F_k = kappa u'^2 / 2 - b u at every node, u' by create_graph."""
    u = trial(net, x, bc)
    (du,) = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)
    return 0.5 * kappa * du**2 - b * u


def boundary_penalty(net, beta):
    """(beta/2)(u(0)^2 + u(1)^2) for bc = penalty."""
    ends = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    return 0.5 * beta * torch.sum(net(ends) ** 2)


def ritz_loss(net, x, kappa, b, bc="ansatz", beta=100.0):
    """The midpoint-rule Deep Ritz loss: mean of F_k, plus the penalty."""
    loss = torch.mean(pointwise_energy(net, x, kappa, b, bc))
    if bc == "penalty":
        loss = loss + boundary_penalty(net, beta)
    return loss
