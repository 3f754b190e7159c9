"""PyTorch reference speed for `sweep bench`: Deep Ritz training steps/s.

The same work as `sweep bench` (midpoint rule with N fixed nodes, ansatz
u = x(1-x)N(x), sine problem, Adam, float64, one thread): each step builds
u' with autograd.grad(create_graph=True), takes the mean energy, calls
backward() and optimizer.step().

    /usr/bin/python3 bench/torch-deep-ritz.py [--cases tanh:20:256[:steps],...]
        [--steps 1000] [--repeat 5] [--lr 1e-3] [--seed 0] [--json]
        [--progress]

Prints a table, or with --json one object {torch, cases: [...]}. Exits 3
with {"error": ...} when torch cannot be imported.
"""

import argparse
import json
import os
import statistics
import sys
import time

DEFAULT_CASES = "tanh:20:256:2000,relu:20:256:2000,tanh:100:1024:100,relu:100:1024:100"


def parse_cases(text, default_steps):
    """"act:W:N[:steps],..." as (act, W, N, steps) tuples."""
    cases = []
    for item in text.split(","):
        act, width, nodes, *steps = item.split(":")
        count = int(steps[0]) if steps else default_steps
        cases.append((act, int(width), int(nodes), count))
    return cases


def run_steps(torch, ritz, act, width, nodes, steps, lr, seed):
    """Trains a fresh network for `steps` steps.

    Returns the loop's wall seconds and the process's CPU seconds.
    """
    torch.manual_seed(seed)
    net = ritz.network(act, width)
    x = ritz.midpoint_nodes(nodes)
    kappa_of, b_of = ritz.problem("sine")
    kappa, b = kappa_of(x.detach()), b_of(x.detach())
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(steps):
        opt.zero_grad()
        loss = ritz.ritz_loss(net, x, kappa, b)
        loss.backward()
        opt.step()
    return time.perf_counter() - start, time.process_time() - cpu_start


def measure(torch, ritz, case, args):
    """Warm-up, then `repeat` timed runs; steps/s median, min, max.

    Steps per second by the wall clock and per CPU second of the process
    (which a busy machine does not slow down).
    """
    act, width, nodes, steps = case
    warmup = max(50, steps // 5)
    run_steps(torch, ritz, act, width, nodes, warmup, args.lr, args.seed)
    rates, cpu_rates = [], []
    for _ in range(args.repeat):
        wall, cpu = run_steps(
            torch, ritz, act, width, nodes, steps, args.lr, args.seed
        )
        rates.append(steps / wall)
        cpu_rates.append(steps / cpu)
    return {
        "activation": act,
        "width": width,
        "nodes": nodes,
        "steps": steps,
        "repeat": args.repeat,
        "steps_per_s": summary(rates),
        "steps_per_cpu_s": summary(cpu_rates),
    }


def summary(rates):
    return {
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
        "samples": rates,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=DEFAULT_CASES)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--progress", action="store_true", help="name each case on stderr"
    )
    args = parser.parse_args()

    try:
        import torch

        import torch_ritz as ritz
    except ImportError as error:
        print(json.dumps({"error": f"cannot import torch: {error}"}))
        sys.exit(3)

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    results = []
    for case in parse_cases(args.cases, args.steps):
        if args.progress:
            act, width, nodes, _ = case
            print(f"PyTorch {act} W{width} N{nodes}…", file=sys.stderr)
        results.append(measure(torch, ritz, case, args))
    report = {
        "torch": torch.__version__,
        "python": sys.executable,
        "threads": torch.get_num_threads(),
        "cases": results,
    }
    if args.json:
        print(json.dumps(report))
        return
    print(f"torch {report['torch']}, {report['threads']} thread")
    for r in results:
        s = r["steps_per_s"]
        print(
            f"{r['activation']:>10} W{r['width']:<4} N{r['nodes']:<5}"
            f" {r['steps']:>5} steps"
            f" {s['median']:9.1f} steps/s ({s['min']:.1f}-{s['max']:.1f})"
        )


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
