"""Graph encoders of GADSG (graph attention, paper Sec. IV-B) and GDSG (gated GCN), and the
denoising network that wraps them.

Notation: h_u / h_s node states of an edge's user and other end (the server; the user itself
on LOCAL slots), e the edge state, flag in {0, 1} (0 on padded slots).

GADSG layer (``GATLayer``), our reading of eqs. (29)-(34):

* (29) gate  g = sigmoid(W1 h_u + W2 h_s + W3 e) * flag                       [E, d]
* (30) score a^m = <Wq^m h_dst, Wk^m h_src + We^m (g * e)> / sqrt(d / M), head m = 1..M,
  for both directions of every edge (user -> server, server -> user; LOCAL: self -> user)
* (31) alpha^m = softmax of a^m over the edges entering dst, with flag = 0 edges masked
  (alpha = 0 exactly on padded slots)
* (32) m_dst = concat_m sum alpha^m (g^m * Wv^m h_src)
* (33) h' = h + ReLU(LN(Ws h + Wo m_dst))                     (residual node update)
* (34) e' = e + ReLU(LN(W4 e + W5 h_u + W6 h_s))                (residual edge update)

GDSG layer (``GCNLayer``): the anisotropic gated GCN of GDSG / DIFUSCO: the same gate (29),
no attention: m_dst = sum g * V h_src / max(1, number of real edges entering dst) (a mean),
then (33) and (34). LayerNorm instead of BatchNorm in both, so that padded slots (which a
batch norm would count) cannot change anything: dense and sparse batches agree.

``DenoiserNet``: node embedding Linear(7 -> d); edge embedding Linear([edge features (7),
onehot(x_t) (2), z_t (1)] -> d) plus a 2-D sinusoidal positional encoding of (user index,
slot index) (``pos_enc="index"``; ``"none"`` switches it off); a sinusoidal diffusion-time
embedding through an MLP, added to every edge state before each layer (as DIFUSCO does);
L layers; heads on the final edge state: 2 logits of p(x_0) and eps_hat for the share.
Aggregations use ``torch_geometric.utils.scatter`` / ``softmax`` (no compiled extensions).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch_geometric.utils import scatter, softmax

from agents.gadsg.features import N_EDGE_FEATURES, N_NODE_FEATURES, GraphBatch

MASK_VALUE = -1e9


def sinusoidal(x: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """[..., dim] sin/cos encoding of a (float) position x."""
    half = dim // 2
    freq = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    arg = x.float()[..., None] * freq
    out = torch.cat([torch.sin(arg), torch.cos(arg)], dim=-1)
    return nn.functional.pad(out, (0, dim - 2 * half))


class Directions:
    """Directed message lists over a batch: every non-LOCAL edge sends user -> server, and
    every edge sends (server or self) -> user. ``edge`` indexes the edge state."""

    def __init__(self, batch: GraphBatch) -> None:
        idx = torch.arange(batch.edge_x.shape[0])
        up = idx[~batch.edge_is_local]
        self.edge = torch.cat([up, idx])
        self.src = torch.cat([batch.edge_user_node[up], batch.edge_other_node])
        self.dst = torch.cat([batch.edge_other_node[up], batch.edge_user_node])
        self.flag = batch.flag[self.edge]
        self.n_nodes = batch.n_nodes


class _EdgeGate(nn.Module):
    """Eq. (29): g = sigmoid(W1 h_u + W2 h_s + W3 e) * flag."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.w1, self.w2 = nn.Linear(d, d), nn.Linear(d, d, bias=False)
        self.w3 = nn.Linear(d, d, bias=False)

    def forward(self, h_u: torch.Tensor, h_s: torch.Tensor, e: torch.Tensor,
                flag: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.w1(h_u) + self.w2(h_s) + self.w3(e)) * flag[:, None]


class _Updates(nn.Module):
    """Eqs. (33) node and (34) edge residual updates."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.ws, self.wo = nn.Linear(d, d), nn.Linear(d, d, bias=False)
        self.w4, self.w5 = nn.Linear(d, d), nn.Linear(d, d, bias=False)
        self.w6 = nn.Linear(d, d, bias=False)
        self.norm_h, self.norm_e = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, h, e, msg, h_u, h_s):
        h_new = h + torch.relu(self.norm_h(self.ws(h) + self.wo(msg)))
        e_new = e + torch.relu(self.norm_e(self.w4(e) + self.w5(h_u) + self.w6(h_s)))
        return h_new, e_new


class GATLayer(nn.Module):
    """GADSG: gated multi-head graph attention, eqs. (29)-(34)."""

    def __init__(self, d: int, heads: int) -> None:
        super().__init__()
        if d % heads:
            raise ValueError(f"hidden {d} is not divisible by heads {heads}")
        self.d, self.heads = d, heads
        self.gate = _EdgeGate(d)
        self.wq, self.wk = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.wv, self.we = nn.Linear(d, d, bias=False), nn.Linear(d, d, bias=False)
        self.upd = _Updates(d)
        self.last_alpha: torch.Tensor | None = None  # [directed edges, heads], for tests

    def forward(self, h, e, batch: GraphBatch, dirs: Directions):
        h_u, h_s = h[batch.edge_user_node], h[batch.edge_other_node]
        g = self.gate(h_u, h_s, e, batch.flag)  # (29)
        m, dk = self.heads, self.d // self.heads
        g_d = g[dirs.edge]
        q = self.wq(h)[dirs.dst].view(-1, m, dk)
        k = (self.wk(h)[dirs.src] + self.we(g_d * e[dirs.edge])).view(-1, m, dk)
        score = (q * k).sum(-1) / math.sqrt(dk)  # (30)
        real = dirs.flag[:, None] > 0
        score = torch.where(real, score, torch.full_like(score, MASK_VALUE))
        alpha = softmax(score, dirs.dst, num_nodes=dirs.n_nodes) * real  # (31)
        self.last_alpha = alpha.detach()
        v = (g_d * self.wv(h)[dirs.src]).view(-1, m, dk)
        msg = scatter(alpha[..., None] * v, dirs.dst, 0, dim_size=dirs.n_nodes,
                      reduce="sum").view(-1, self.d)  # (32)
        return self.upd(h, e, msg, h_u, h_s)  # (33), (34)


class GCNLayer(nn.Module):
    """GDSG: gated GCN (mean aggregation of gated messages, no attention)."""

    def __init__(self, d: int, heads: int = 1) -> None:
        super().__init__()
        self.gate = _EdgeGate(d)
        self.wv = nn.Linear(d, d, bias=False)
        self.upd = _Updates(d)

    def forward(self, h, e, batch: GraphBatch, dirs: Directions):
        h_u, h_s = h[batch.edge_user_node], h[batch.edge_other_node]
        g = self.gate(h_u, h_s, e, batch.flag)
        v = g[dirs.edge] * self.wv(h)[dirs.src]
        total = scatter(v, dirs.dst, 0, dim_size=dirs.n_nodes, reduce="sum")
        count = scatter(dirs.flag, dirs.dst, 0, dim_size=dirs.n_nodes, reduce="sum")
        return self.upd(h, e, total / count.clamp(min=1)[:, None], h_u, h_s)


ENCODERS = {"gat": GATLayer, "gcn": GCNLayer}


class DenoiserNet(nn.Module):
    """p(x_0 | x_t, z_t, t, G) and eps_hat(x_t, z_t, t, G) per edge (see module docstring)."""

    def __init__(self, encoder: str = "gat", hidden: int = 48, layers: int = 3, heads: int = 4,
                 pos_enc: str = "index") -> None:
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder: unknown {encoder!r} (known: {sorted(ENCODERS)})")
        self.hparams = {"encoder": encoder, "hidden": hidden, "layers": layers,
                        "heads": heads, "pos_enc": pos_enc}
        d = hidden
        self.node_emb = nn.Linear(N_NODE_FEATURES, d)
        self.edge_emb = nn.Linear(N_EDGE_FEATURES + 3, d)
        self.time_mlp = nn.Sequential(nn.Linear(d, d), nn.SiLU(), nn.Linear(d, d))
        self.time_proj = nn.ModuleList(nn.Linear(d, d) for _ in range(layers))
        self.layers = nn.ModuleList(ENCODERS[encoder](d, heads) for _ in range(layers))
        self.head = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 3))
        self.pos_enc = pos_enc

    def encode(self, batch: GraphBatch, x_t: torch.Tensor, z_t: torch.Tensor,
               t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(node states [N, d], edge states [E, d]) after the L layers; ``t`` per graph."""
        d = self.hparams["hidden"]
        h = self.node_emb(batch.node_x)
        xin = torch.cat([batch.edge_x, nn.functional.one_hot(x_t, 2).float(), z_t[:, None]], 1)
        e = self.edge_emb(xin)
        if self.pos_enc == "index":
            e = e + torch.cat([sinusoidal(batch.edge_user, d // 2),
                               sinusoidal(batch.edge_slot, d - d // 2)], -1)
        temb = self.time_mlp(sinusoidal(t.float(), d))[batch.edge_graph]
        dirs = Directions(batch)
        for proj, layer in zip(self.time_proj, self.layers, strict=True):
            h, e = layer(h, e + proj(temb), batch, dirs)
        return h, e

    def forward(self, batch: GraphBatch, x_t: torch.Tensor, z_t: torch.Tensor,
                t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits of x_0 [E, 2], eps_hat [E])."""
        _, e = self.encode(batch, x_t, z_t, t)
        out = self.head(e)
        return out[:, :2], out[:, 2]
