"""KATO (Ma & Xie): knowledge-guided attention-inspired RSU selection, and its ablations.

AttenSelect, paper eqs. (2)-(5), with hidden size h (5 in the paper):

    A   = [a_0; a_1; ...; a_n]        rows [x, y, beta, eta], vehicle first, RSUs by
                                      descending computing power (agents.kato.features)
    K   = T_K A W_K                   T_K lower-triangular ones: row i is the PREFIX SUM
                                      of rows 0..i (the knowledge of the faster nodes)
    Q   = a_0 W_Q                     the vehicle's query (T_Q picks row 0)
    e   = Q K^T / sqrt(h)             one score per node; no value matrix
    p   = sigmoid(g(e))               select RSU i iff p_i >= 0.5

The paper's decoder g is "a fully connected layer" on the score vector, which ties the
model to one n. We offer both readings (``decoder``):

- ``"dense"``: the paper's FC layer over n_max positions (smaller networks are padded with
  zero rows; larger ones cannot be handled);
- ``"shared"`` (default): g applied per position with shared weights to
  (e_i, e_i - e_{i-1}, e_i - mean e), so one trained model runs on ANY n. Because K holds
  prefix sums, e_i - e_{i-1} is RSU i's own term a_i W_K q; the centring term gives g the
  context the dense layer had (where a score sits among the others) without fixing a size.

Ablations from the paper: ``variant="sa"`` (standard attention: no T_K / T_Q prefix
knowledge, each node's key from its own row, the query from the vehicle row) and
``variant="mlp"`` (one hidden layer of 5 units on each RSU row concatenated with the
vehicle row).

After selection, MobCheck survivors only (RSUs that fail MobCheck are never selected), the
task is allocated by the spec's ``equal_finish`` rule (MobCheck guarantees nobody leaves).
``decode="prefix"`` is our improved variant (KATO-prefix): rank the survivors by p, time
every prefix of the ranking with the exact equal-finish rule and keep the fastest; it
needs no threshold and always returns a selection at least as fast as the vehicle alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from agents.kato.features import N_FEATURES, VecModelInput


class AttenSelect(nn.Module):
    """KATO / SA / MLP selector: ``forward(rows [B, 1+n, 4], valid [B, n]) -> logits [B, n]``."""

    def __init__(self, variant: str = "kato", hidden: int = 5, decoder: str = "shared",
                 n_max: int | None = None) -> None:
        super().__init__()
        if variant not in ("kato", "sa", "mlp"):
            raise ValueError(f"variant: unknown {variant!r} (kato, sa, mlp)")
        if decoder not in ("shared", "dense"):
            raise ValueError(f"decoder: unknown {decoder!r} (shared, dense)")
        if decoder == "dense" and not n_max:
            raise ValueError("n_max: the dense decoder needs the number of positions")
        self.variant, self.hidden, self.decoder, self.n_max = variant, hidden, decoder, n_max
        if variant == "mlp":
            self.mlp = nn.Sequential(nn.Linear(2 * N_FEATURES, 5), nn.ReLU(), nn.Linear(5, 1))
            return
        self.w_k = nn.Linear(N_FEATURES, hidden, bias=False)
        self.w_q = nn.Linear(N_FEATURES, hidden, bias=False)
        if decoder == "dense":
            self.g = nn.Linear(n_max, n_max)
        else:
            self.g = nn.Linear(3, 1)

    def config(self) -> dict:
        return {"variant": self.variant, "hidden": self.hidden, "decoder": self.decoder,
                "n_max": self.n_max}

    def forward(self, rows: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        vehicle = rows[:, 0, :]
        if self.variant == "mlp":
            rsu = rows[:, 1:, :]
            pair = torch.cat([rsu, vehicle[:, None, :].expand_as(rsu)], dim=-1)
            return self.mlp(pair)[..., 0]
        rows = rows * torch.cat([torch.ones_like(valid[:, :1]), valid], 1)[..., None]
        keys_in = torch.cumsum(rows, dim=1) if self.variant == "kato" else rows  # T_K A
        k = self.w_k(keys_in)  # [B, 1+n, h]
        q = self.w_q(vehicle)  # [B, h]
        e = torch.einsum("bnh,bh->bn", k, q)[:, 1:] / math.sqrt(self.hidden)  # RSU scores
        if self.decoder == "dense":
            n = e.shape[1]
            if n > self.n_max:
                raise ValueError(f"n_rsus: the dense decoder was trained for at most "
                                 f"{self.n_max} RSUs, got {n}")
            e = nn.functional.pad(e * valid, (0, self.n_max - n))
            return self.g(e)[:, :n]
        mean = (e * valid).sum(1, keepdim=True) / valid.sum(1, keepdim=True).clamp(min=1)
        prev = torch.cat([torch.zeros_like(e[:, :1]), e[:, :-1]], dim=1)
        return self.g(torch.stack([e, e - prev, e - mean], dim=-1))[..., 0]


@dataclass(frozen=True)
class Selection:
    """Per instance, in RSU index order: ``mask`` [B, n] and ``prob`` [B, n]."""

    mask: np.ndarray
    prob: np.ndarray


def predict_probabilities(model: AttenSelect, inputs: VecModelInput) -> np.ndarray:
    """p per sorted position [B, n], zero for RSUs that fail MobCheck."""
    with torch.no_grad():
        rows = torch.from_numpy(inputs.rows)
        valid = torch.from_numpy(inputs.survivor.astype(np.float32))
        prob = torch.sigmoid(model(rows, valid)).numpy()
    return np.where(inputs.survivor, prob, 0.0)


def decode_threshold(prob_sorted: np.ndarray, inputs: VecModelInput) -> np.ndarray:
    """The paper's decoding: select where p >= 0.5 (sorted positions)."""
    return (prob_sorted >= 0.5) & inputs.survivor


def decode_prefix(prob_sorted: np.ndarray, inputs: VecModelInput) -> np.ndarray:
    """KATO-prefix: the fastest prefix (by equal-finish time) of the survivors ranked by p.

    T(m) = Q / (1/beta_0 + R(m)), R(m) = sum of 1/c_i(m) over the m best-ranked, for
    m = 0..n, in one vectorised pass ([B, n, n], float32: it only picks m; the chosen
    selection is then allocated and timed in float64 by the equal-finish rule)."""
    phys = inputs.physics
    key = np.where(inputs.survivor, prob_sorted, -1.0)
    rank = np.argsort(-key, axis=1, kind="stable")
    rsu = np.take_along_axis(inputs.order, rank, axis=1)  # RSU index at each rank
    beta_r = np.take_along_axis(phys.beta_s_per_gbit, rsu, axis=1).astype(np.float32)
    tau_r = np.take_along_axis(phys.tau_s_per_gbit, rsu, axis=1).astype(np.float32)
    n = beta_r.shape[1]
    ms = np.arange(1, n + 1, dtype=np.float32)
    inv = 1.0 / (beta_r[:, None, :] + ms[None, :, None] * tau_r[:, None, :])  # [B, M, n]
    first_m = (np.arange(n)[None, :] <= np.arange(n)[:, None]).astype(np.float32)  # j < m
    rate = np.einsum("bmj,mj->bm", inv, first_m)
    n_surv = inputs.survivor.sum(1)
    rate = np.concatenate([np.zeros((len(rate), 1), dtype=np.float32),
                           np.where(ms[None, :] <= n_surv[:, None], rate, -np.inf)], axis=1)
    best_m = np.argmax(rate, axis=1)  # max total rate = min time
    chosen = np.arange(n)[None, :] < best_m[:, None]  # in rank order
    mask = np.zeros_like(chosen)
    np.put_along_axis(mask, rank, chosen, axis=1)
    return mask
