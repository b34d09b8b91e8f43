"""KATO and its VEC selector family (``kato``, ``kato_plus``, ``sa``, ``mlp``).

- :mod:`agents.kato.model`: AttenSelect (KATO, SA ablation, MLP baseline) and the decoders;
- :mod:`agents.kato.features`: the model inputs, built from the VEC physics;
- :mod:`agents.kato.train`: supervised training on certified optima (``offload-gym train``);
- :mod:`agents.kato.policy`: a trained selector as a solver / evaluation policy.

Until the flat layout's removal, ``from agents.kato import AttenSelect`` (the old module
``agents/kato.py``) still works with a DeprecationWarning: import from
:mod:`agents.kato.model` instead.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

PROBLEM = "vec"  # the problem these methods solve
PROBLEMS = (PROBLEM,)
# method name -> one-line description (solvers, policies and trainers are registered under it)
METHODS: dict[str, str] = {
    "kato": "KATO (faithful): AttenSelect, p >= 0.5, equal-finish",
    "kato_plus": "KATO+ (ours): physical features, best-prefix decoding",
    "sa": "SA ablation: standard attention without prefix knowledge",
    "mlp": "MLP baseline: one hidden layer of 5 units",
}
POLICY_MODULE = "agents.kato.policy"
TRAINER = "agents.kato.train:main"
TRAINER_DESCRIPTIONS = {name: f"supervised VEC selector: {desc}" for name, desc in METHODS.items()}

# names of the old module agents/kato.py, now in agents.kato.model
_OLD_MODULE_NAMES = frozenset({"AttenSelect", "Selection", "predict_probabilities",
                               "decode_threshold", "decode_prefix"})


def __getattr__(name: str) -> Any:
    if name in _OLD_MODULE_NAMES:
        warnings.warn(f"agents.kato.{name} is deprecated and will be removed in the next "
                      f"release; use agents.kato.model.{name}", DeprecationWarning,
                      stacklevel=2)
        return getattr(importlib.import_module("agents.kato.model"), name)
    raise AttributeError(f"module 'agents.kato' has no attribute {name!r}")
