"""A torch-geometric features extractor for the offload-gym padded graph observations.

:class:`GraphExtractor` is a stable-baselines3 ``BaseFeaturesExtractor`` for the ``spaces.Dict``
observation every offload-gym env emits (docs/envs.md, "Observation"). Per batch it

1. removes the padding (``node_mask`` / ``edge_mask``) and renumbers the nodes, vectorised over
   the batch (:func:`unpad_batch`: the same graph as ``offload_gym.core.graph.batch_to_pyg``,
   which loops over samples in numpy, but on tensors and in one pass),
2. embeds nodes and edges, runs ``n_layers`` GATv2 layers with edge features (residual),
3. pools the node embeddings per graph (mean and max), takes the embedding of the node being
   decided (``decision_index``) and, optionally, of fixed "pointer" slots together with the raw
   features of the edge (decided node -> slot) (LAENet: the server slots, so action ``1 + s``
   sees server ``s`` and the candidate edge),
4. maps all that plus ``global_features`` to ``features_dim`` (linear + ReLU).

It works with ``"MultiInputPolicy"`` of SB3's PPO and of sb3-contrib's ``MaskablePPO``::

    policy_kwargs = dict(features_extractor_class=GraphExtractor,
                         features_extractor_kwargs=dict(hidden=32, pointer_slots=[0, 1, 2, 3]))

``dense=True`` runs the same network on the padded tensors instead (:func:`dense_gatv2`:
per-sample edge lists [B, E] with ``edge_mask``, padded nodes masked out of the attention
softmax and the pools; no unpadding, no ragged batch), with the same parameters and equal
outputs (max abs difference <= 1e-5, tests/agents/test_extractor_dense.py). The default is
``dense=False`` (the PyG path the shipped checkpoints were trained with), so a checkpoint's
saved kwargs rebuild the path it was trained with.

SB3 preprocesses observations before the extractor: ``Discrete`` becomes one-hot (so
``decision_index`` arrives as [B, N_max]), ``MultiBinary`` and integer ``Box`` become float.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import torch
from gymnasium import spaces
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn
from torch_geometric.nn import GATv2Conv
from torch_geometric.utils import scatter


@dataclass
class GraphBatch:
    """Padding removed from a batch of observations (PyG layout).

    ``x`` [n, F], ``edge_index`` [2, e] (compact ids over the whole batch), ``edge_attr`` [e, G],
    ``batch`` [n] (graph of each node), ``decision`` [B] (compact id of each graph's decided
    node, -1 if it is a padded slot), ``slot`` [n] (each node's original slot)."""

    x: torch.Tensor
    edge_index: torch.Tensor
    edge_attr: torch.Tensor
    batch: torch.Tensor
    decision: torch.Tensor
    slot: torch.Tensor
    new_id: torch.Tensor  # [B * N_max]: padded slot -> compact id (-1 for padding)
    num_graphs: int


def decision_slots(obs: Mapping[str, torch.Tensor], n_nodes: int) -> torch.Tensor:
    """The decided node slot per sample: from SB3's one-hot ([B, N], or [B, 1, N] from a
    rollout buffer) or raw indices [B] / [B, 1]."""
    d = obs["decision_index"]
    if d.dim() >= 2 and d.shape[-1] == n_nodes and n_nodes > 1:
        return d.reshape(-1, n_nodes).argmax(dim=1).long()
    return d.reshape(-1).long()


def unpad_batch(obs: Mapping[str, torch.Tensor]) -> GraphBatch:
    """Vectorised unpadding of a batch of padded observations (tensors with a batch axis)."""
    nf = obs["node_features"]
    bsz, n_max, _ = nf.shape
    node_mask = obs["node_mask"].reshape(bsz, n_max) > 0.5
    edge_mask = obs["edge_mask"].reshape(bsz, -1) > 0.5
    ei = obs["edge_index"].reshape(bsz, 2, -1).long()
    flat_mask = node_mask.reshape(-1)
    new_id = torch.cumsum(flat_mask.long(), 0) - 1
    new_id = torch.where(flat_mask, new_id, torch.full_like(new_id, -1))
    offset = (torch.arange(bsz, device=nf.device) * n_max)[:, None]
    src = (ei[:, 0, :] + offset)[edge_mask]
    dst = (ei[:, 1, :] + offset)[edge_mask]
    edge_index = torch.stack([new_id[src], new_id[dst]])
    counts = node_mask.sum(dim=1)
    batch = torch.repeat_interleave(torch.arange(bsz, device=nf.device), counts)
    slot = torch.nonzero(node_mask, as_tuple=False)[:, 1]
    dec = decision_slots(obs, n_max).clamp(0, n_max - 1)
    decision = new_id[torch.arange(bsz, device=nf.device) * n_max + dec]
    return GraphBatch(x=nf[node_mask], edge_index=edge_index,
                      edge_attr=obs["edge_features"][edge_mask], batch=batch,
                      decision=decision, slot=slot, new_id=new_id, num_graphs=bsz)


def _scatter_sum(src: torch.Tensor, index: torch.Tensor, n_nodes: int) -> torch.Tensor:
    """Sum of ``src`` [B, E, ...] into [B, n_nodes, ...] at ``index`` [B, E] (per sample)."""
    shape = (src.shape[0], n_nodes, *src.shape[2:])
    idx = index.reshape(*index.shape, *([1] * (src.dim() - 2))).expand_as(src)
    return src.new_zeros(shape).scatter_add_(1, idx, src)


def _gather_nodes(x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x`` [B, N, ...] at node ``index`` [B, E] -> [B, E, ...]."""
    idx = index.reshape(*index.shape, *([1] * (x.dim() - 2))).expand(
        *index.shape, *x.shape[2:])
    return torch.gather(x, 1, idx)


def dense_gatv2(conv: GATv2Conv, h: torch.Tensor, src: torch.Tensor, dst: torch.Tensor,
                valid: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
    """PyG's ``GATv2Conv`` (``share_weights=False``, ``concat=True``, ``add_self_loops=True``,
    ``fill_value="mean"``, no dropout) on padded tensors, with ``conv``'s parameters.

    ``h`` [B, N, D] node inputs, ``src`` / ``dst`` [B, E] node slots of each edge, ``valid``
    [B, E] (real edge; self loops excluded, as PyG removes them before adding its own),
    ``e`` [B, E, D] edge inputs. Every node gets a self loop whose edge input is the mean of
    its valid incoming edges' (0 without any); the attention softmax runs over each target's
    valid incoming edges and its self loop. Returns [B, N, heads * out_channels]; rows of
    padded nodes are finite and meaningless (mask them)."""
    bsz, n_nodes, _ = h.shape
    heads, ch = conv.heads, conv.out_channels
    x_l = conv.lin_l(h).view(bsz, n_nodes, heads, ch)   # source side (messages)
    x_r = conv.lin_r(h).view(bsz, n_nodes, heads, ch)   # target side
    w = valid.to(h.dtype)
    count = _scatter_sum(w, dst, n_nodes)
    loop_e = _scatter_sum(e * w[..., None], dst, n_nodes) / count.clamp(min=1.0)[..., None]
    att = conv.att.view(1, 1, heads, ch)
    x_j = _gather_nodes(x_l, src)
    edge_in = _gather_nodes(x_r, dst) + x_j + conv.lin_edge(e).view(bsz, -1, heads, ch)
    logit_e = (nn.functional.leaky_relu(edge_in, conv.negative_slope) * att).sum(-1)
    loop_in = x_r + x_l + conv.lin_edge(loop_e).view(bsz, n_nodes, heads, ch)
    logit_l = (nn.functional.leaky_relu(loop_in, conv.negative_slope) * att).sum(-1)
    logit_e = logit_e.masked_fill(~valid[..., None], float("-inf"))
    top = logit_l.scatter_reduce(1, dst[..., None].expand(-1, -1, heads), logit_e, "amax",
                                 include_self=True)  # [B, N, H]: softmax shift per target
    exp_e = torch.exp(logit_e - _gather_nodes(top, dst))  # 0 on invalid edges
    exp_l = torch.exp(logit_l - top)
    denom = exp_l + _scatter_sum(exp_e, dst, n_nodes) + 1e-16  # PyG softmax's epsilon
    alpha_e = exp_e / _gather_nodes(denom, dst)
    out = (exp_l / denom)[..., None] * x_l + _scatter_sum(alpha_e[..., None] * x_j, dst,
                                                          n_nodes)
    out = out.reshape(bsz, n_nodes, heads * ch)
    return out if conv.bias is None else out + conv.bias


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in pairwise(sizes):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers)


class GraphExtractor(BaseFeaturesExtractor):
    """GATv2 graph encoder -> fixed ``features_dim`` vector (module docstring).

    :param observation_space: the env's padded ``spaces.Dict``.
    :param hidden: node / edge embedding width.
    :param n_layers: GATv2 layers (each residual, ``heads`` heads concatenated to ``hidden``).
    :param heads: attention heads (``hidden`` must be divisible by it).
    :param features_dim: output width.
    :param pointer_slots: node slots whose embedding and (decided node -> slot) raw edge
        features are appended (with a "present" flag); None = none.
    :param dense: run on the padded tensors (:func:`dense_gatv2`, masks instead of ragged
        graphs); the same parameters and equal outputs (<= 1e-5), so a model may switch
        paths after training (``set_dense``). Default False: the PyG path.
    """

    def __init__(self, observation_space: spaces.Dict, hidden: int = 32, n_layers: int = 2,
                 heads: int = 2, features_dim: int = 64,
                 pointer_slots: Sequence[int] | None = None, dense: bool = False) -> None:
        super().__init__(observation_space, features_dim)
        if not isinstance(dense, bool):
            raise ValueError(f"dense must be a bool, got {dense!r}")
        self.dense = dense
        n_feat = observation_space["node_features"].shape[1]
        e_feat = observation_space["edge_features"].shape[1]
        g_feat = observation_space["global_features"].shape[0]
        self.n_nodes = observation_space["node_features"].shape[0]
        if hidden % heads:
            raise ValueError(f"hidden ({hidden}) must be divisible by heads ({heads})")
        self.pointer_slots = [int(s) for s in (pointer_slots or [])]
        self.node_in = nn.Linear(n_feat, hidden)
        self.edge_in = nn.Linear(e_feat, hidden)
        self.convs = nn.ModuleList(
            GATv2Conv(hidden, hidden // heads, heads=heads, edge_dim=hidden,
                      add_self_loops=True, fill_value="mean") for _ in range(n_layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(n_layers))
        self.global_in = _mlp([g_feat, hidden])
        n_ptr = len(self.pointer_slots)
        width = 4 * hidden + n_ptr * (hidden + e_feat + 1)
        self.head = nn.Sequential(nn.Linear(width, features_dim), nn.ReLU())

    def encode(self, g: GraphBatch) -> torch.Tensor:
        """Node embeddings [n, hidden] of an unpadded batch."""
        h = torch.relu(self.node_in(g.x))
        e = torch.relu(self.edge_in(g.edge_attr))
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = norm(h + torch.relu(conv(h, g.edge_index, e)))
        return h

    def set_dense(self, dense: bool) -> None:
        """Switch between the dense and the PyG path (same parameters)."""
        self.dense = bool(dense)

    def forward(self, observations: Mapping[str, torch.Tensor]) -> torch.Tensor:
        if self.dense:
            return self.forward_dense(observations)
        g = unpad_batch(observations)
        h = self.encode(g)
        bsz = g.num_graphs
        mean = scatter(h, g.batch, dim=0, dim_size=bsz, reduce="mean")
        mx = scatter(h, g.batch, dim=0, dim_size=bsz, reduce="max")
        h_pad = torch.cat([h, h.new_zeros(1, h.shape[1])])  # index -1 -> zeros
        dec = h_pad[g.decision]
        parts = [mean, mx, dec, self.global_in(observations["global_features"])]
        if self.pointer_slots:
            parts.append(self._pointers(observations, g, h_pad))
        return self.head(torch.cat(parts, dim=1))

    def forward_dense(self, obs: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The forward pass on the padded tensors (``dense=True``): the same network and
        parameters as :meth:`forward`'s PyG path, masks instead of unpadding."""
        nf = obs["node_features"]
        bsz, n_max, _ = nf.shape
        node_mask = obs["node_mask"].reshape(bsz, n_max) > 0.5
        ei = obs["edge_index"].reshape(bsz, 2, -1).long()
        src, dst = ei[:, 0, :], ei[:, 1, :]
        valid = (obs["edge_mask"].reshape(bsz, -1) > 0.5) & (src != dst)
        h = torch.relu(self.node_in(nf))
        e = torch.relu(self.edge_in(obs["edge_features"]))
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = norm(h + torch.relu(dense_gatv2(conv, h, src, dst, valid, e)))
        keep = node_mask[..., None]
        h = torch.where(keep, h, torch.zeros_like(h))  # padded nodes: 0 (as PyG's index -1)
        count = node_mask.sum(dim=1, keepdim=True).to(h.dtype)
        mean = h.sum(dim=1) / count.clamp(min=1.0)
        mx = torch.where(keep, h, torch.full_like(h, float("-inf"))).amax(dim=1)
        mx = torch.where(count > 0, mx, torch.zeros_like(mx))
        rows = torch.arange(bsz, device=nf.device)
        dec = h[rows, decision_slots(obs, n_max).clamp(0, n_max - 1)]
        parts = [mean, mx, dec, self.global_in(obs["global_features"])]
        if self.pointer_slots:
            parts.append(self._pointer_parts(obs, h[:, self.pointer_slots]))
        return self.head(torch.cat(parts, dim=1))

    def _pointers(self, obs: Mapping[str, torch.Tensor], g: GraphBatch,
                  h_pad: torch.Tensor) -> torch.Tensor:
        """Per pointer slot: its embedding, the raw features of edge (decided -> slot) (0 if
        none) and a flag that the edge exists: [B, P * (hidden + G + 1)]."""
        bsz, n_max = g.num_graphs, self.n_nodes
        slots = torch.tensor(self.pointer_slots, device=h_pad.device)
        ids = g.new_id.reshape(bsz, n_max)[:, slots]  # [B, P], -1 for padding
        return self._pointer_parts(obs, h_pad[ids])  # emb [B, P, hidden]

    def _pointer_parts(self, obs: Mapping[str, torch.Tensor], emb: torch.Tensor
                       ) -> torch.Tensor:
        """``emb`` [B, P, hidden] (0 for padded slots) with, per pointer slot, the raw
        features of edge (decided -> slot) and its present flag."""
        bsz, n_max = emb.shape[0], self.n_nodes
        slots = torch.tensor(self.pointer_slots, device=emb.device)
        ei = obs["edge_index"].reshape(bsz, 2, -1).long()
        em = obs["edge_mask"].reshape(bsz, -1) > 0.5
        dec = decision_slots(obs, n_max)
        from_dec = em & (ei[:, 0, :] == dec[:, None])  # [B, E]
        match = from_dec[:, None, :] & (ei[:, 1, None, :] == slots[None, :, None])  # [B, P, E]
        m = match.to(obs["edge_features"].dtype)
        attr = torch.einsum("bpe,beg->bpg", m, obs["edge_features"])
        flag = m.sum(dim=2, keepdim=True).clamp(max=1.0)
        return torch.cat([emb, attr, flag], dim=2).reshape(bsz, -1)
