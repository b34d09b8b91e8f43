"""Deprecated: the model-input features of stored instances moved to each problem's dataset
hooks (``offload_gym.vec.dataset.node_features``, ``offload_gym.laenet.dataset.padding``);
the torch / torch-geometric views reach them through ``LabelledDataset.as_torch()`` /
``as_pyg()``."""

from __future__ import annotations

from offload_gym.core.deprecation import moved

__getattr__ = moved(__name__, {
    "vec_node_features": "offload_gym.vec.dataset:node_features",
    "laenet_padding": "offload_gym.laenet.dataset:padding",
})
