"""Algorithm 2 (sampling) and the decoding of samples into LAENet solutions.

Sampling: K parallel samples per instance (the batch holds K copies of every graph); start
from x_T ~ Bernoulli(1/2) per edge and z_T ~ N(0, 1); at each strided time t -> s the model
gives p(x_0 | x_t) and eps_hat; x_s ~ q(x_s | x_t, p(x_0)) and z_s by DDIM
(:class:`agents.gadsg.diffusion.HybridDiffusion`); at the last step (s = 0) the model's p(x_0 = 1)
and z0_hat are kept.

Decoding one sample (always: at most one option per user, coverage / deadline / lambda
respected by masking to the ``allowed`` slots):

* ``decode="greedy"`` (default): users in decreasing confidence (max allowed p); each takes
  its most probable allowed option whose server still fits its mu (sum mu <= 1); LOCAL always
  fits when allowed. A forced user with nothing left keeps its argmax (``evaluate`` repairs).
* ``decode="argmax"``: each user's most probable allowed option; capacity is not checked,
  so the spec's repair rule of ``evaluate`` fixes overloaded servers (this mode measures how
  often the raw model needs repair).

Shares: ``shares="model"`` ("raw model"): y = (z0_hat + 1) / 2 on the chosen edge, clamped to
[mu, 1], and, on a server whose sum exceeds 1 (with sum mu <= 1), y = mu + (1 - sum mu)
(y - mu) / sum (y - mu) (normalised per server); ``shares="waterfill"`` ("model + optimal
shares"): the optimal water-filling shares of the sampled assignment. The best of the K
samples (lowest cost among capacity-feasible ones, scored with the chosen shares) is kept.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from agents.gadsg.diffusion import HybridDiffusion
from agents.gadsg.encoders import DenoiserNet
from agents.gadsg.features import InstanceGraph, Normalisation, collate, instance_graph
from offload_gym.laenet.physics import Derived, derive
from offload_gym.laenet.waterfill import CAPACITY_EPS, LOCAL, assignment_costs


@dataclasses.dataclass
class Decoded:
    """One instance's output: ``share`` is None for water-filling (``evaluate`` computes
    it); the time split is per instance (batched time divided evenly)."""

    choice: list[int]
    share: list[float | None] | None
    model_s: float
    decode_s: float


@torch.no_grad()
def sample(model: DenoiserNet, diffusion: HybridDiffusion, graphs: Sequence[InstanceGraph],
           n_samples: int, n_inference: int, generator: torch.Generator
           ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Algorithm 2 on K copies of every graph. Returns (p(x_0 = 1) [E_all], share [E_all],
    edge offsets per (sample k, instance b) graph, in the order k * B + b)."""
    model.eval()
    reps = [g for _ in range(n_samples) for g in graphs]
    batch = collate(reps)
    n_edges = batch.edge_x.shape[0]
    x = (torch.rand(n_edges, generator=generator) < 0.5).long()
    z = torch.randn(n_edges, generator=generator)
    times = diffusion.inference_times(n_inference)
    p1 = torch.zeros(n_edges)
    for t, s in itertools.pairwise(times):
        tt = torch.full((batch.n_graphs,), t, dtype=torch.long)
        logits, eps = model(batch, x, z, tt)
        p1 = torch.softmax(logits, -1)[:, 1].double()
        z, z0 = diffusion.ddim_gaussian(z, eps, t, s)
        if s > 0:
            post = diffusion.categorical_posterior(x, p1, t, s)
            x = (torch.rand(n_edges, generator=generator, dtype=torch.float64) < post).long()
        else:
            z = z0
    offsets = np.cumsum([0] + [len(g.edge_user) for g in reps])
    share = ((z.double() + 1) / 2).numpy()
    return p1.numpy(), share, [offsets[i:i + 2] for i in range(len(reps))]


def decode_sample(g: InstanceGraph, p: np.ndarray, mode: str = "greedy") -> np.ndarray:
    """One sample's assignment (server index or -1 per user) from p(x_0 = 1) per slot."""
    score = np.where(g.allowed, p, -1.0)
    n = g.n_users
    starts = np.searchsorted(g.edge_user, np.arange(n + 1))
    choice = np.full(n, LOCAL, dtype=np.int64)
    best = np.array([starts[u] + int(np.argmax(score[starts[u]:starts[u + 1]]))
                     for u in range(n)])
    if mode == "argmax":
        return g.edge_slot[best] - 1
    if mode != "greedy":
        raise ValueError(f"decode: unknown mode {mode!r} (greedy | argmax)")
    load = np.zeros(g.n_servers)
    for u in np.argsort(-score[best], kind="stable"):
        lo, hi = starts[u], starts[u + 1]
        choice[u] = g.edge_slot[best[u]] - 1
        for e in lo + np.argsort(-score[lo:hi], kind="stable"):
            if not g.allowed[e]:
                break
            s = g.edge_slot[e] - 1
            if s == LOCAL or load[s] + g.mu[e] <= 1.0 + CAPACITY_EPS:
                choice[u] = s
                if s != LOCAL:
                    load[s] += g.mu[e]
                break
    return choice


def model_shares(d: Derived, choice: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
    """The raw model's shares for an assignment: clamp to [mu, 1], normalise per server
    (see the module docstring). NaN for local users."""
    share = np.full(d.n_users, np.nan)
    for s in range(d.n_servers):
        users = np.flatnonzero(choice == s)
        if users.size == 0:
            continue
        e = d.edge_id[users, s]
        mu = np.where(e >= 0, d.mu[np.maximum(e, 0)], 0.0)
        y = np.clip(y_hat[users], mu, 1.0)
        if y.sum() > 1.0 and mu.sum() <= 1.0:
            extra = y - mu
            y = mu + (1.0 - mu.sum()) * extra / max(extra.sum(), 1e-300)
        share[users] = y
    return share


def own_share_cost(d: Derived, choice: np.ndarray, share: np.ndarray) -> float:
    """Cost with the given shares (inf if an option or a share is infeasible)."""
    total = 0.0
    for u, c in enumerate(choice):
        if c == LOCAL:
            if not d.lam[u]:
                return float("inf")
            total += d.j_loc[u]
            continue
        e = d.edge_id[u, c]
        if e < 0 or not d.feasible[e] or not np.isfinite(share[u]) or share[u] < d.mu[e] - 1e-9:
            return float("inf")
        total += d.j_tr[e] + d.j_exe[e] / share[u]
    for s in range(d.n_servers):
        if np.nansum(share[choice == s]) > 1.0 + 1e-9:
            return float("inf")
    return total


def solve_batch(model: DenoiserNet, diffusion: HybridDiffusion, scenarios: Sequence[Any],
                norm: Normalisation, *, samples: int = 8, steps: int = 5,
                shares: str = "waterfill", decode: str = "greedy", dense: bool = False,
                seed: int = 0, graphs: Sequence[InstanceGraph] | None = None) -> list[Decoded]:
    """Sample, decode and keep the best of ``samples`` per scenario (module docstring)."""
    if shares not in ("waterfill", "model"):
        raise ValueError(f"shares: unknown {shares!r} (waterfill | model)")
    derived = [derive(s) for s in scenarios]
    graphs = list(graphs) if graphs is not None else [
        instance_graph(d, norm, dense) for d in derived]
    n = len(scenarios)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    p1, y_edge, offs = sample(model, diffusion, graphs, samples, steps, gen)
    model_s = (time.perf_counter() - t0) / max(n, 1)
    return [pick(d, g, p1, y_edge, offs, b, n, samples, shares, decode, model_s)
            for b, (d, g) in enumerate(zip(derived, graphs, strict=True))]


def pick(d: Derived, g: InstanceGraph, p1: np.ndarray, y_edge: np.ndarray,
         offs: list[np.ndarray], b: int, n: int, samples: int, shares: str, decode: str,
         model_s: float = 0.0) -> Decoded:
    """Decode the K samples of instance ``b`` (of ``n``) and keep the best one."""
    t1 = time.perf_counter()
    choices, y_users = [], []
    for k in range(samples):
        lo, hi = offs[k * n + b]
        choices.append(decode_sample(g, p1[lo:hi], decode))
        y_users.append(_user_share(g, y_edge[lo:hi], choices[-1]))
    choices_arr = np.array(choices)
    if shares == "waterfill":
        costs, _ = assignment_costs(d, choices_arr)
        result = Decoded(choices_arr[int(np.argmin(costs))].tolist(), None, model_s, 0.0)
    else:
        own = [model_shares(d, c, y) for c, y in zip(choices_arr, y_users, strict=True)]
        costs = np.array([own_share_cost(d, c, y) for c, y in zip(choices_arr, own,
                                                                   strict=True)])
        best = int(np.argmin(costs))
        result = Decoded(choices_arr[best].tolist(),
                         [None if not np.isfinite(v) else float(v) for v in own[best]],
                         model_s, 0.0)
    result.decode_s = time.perf_counter() - t1
    return result


def _user_share(g: InstanceGraph, y_edge: np.ndarray, choice: np.ndarray) -> np.ndarray:
    """The model's share on each user's chosen slot (NaN for LOCAL)."""
    y = np.full(g.n_users, np.nan)
    chosen = g.edge_slot == choice[g.edge_user] + 1
    y[g.edge_user[chosen]] = y_edge[chosen]
    y[choice == LOCAL] = np.nan
    return y
