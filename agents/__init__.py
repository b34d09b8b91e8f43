"""Learned agents for offload-gym, one folder per method family:

- ``agents/kato/``: KATO, KATO+, SA, MLP (VEC selectors trained on certified optima);
- ``agents/gadsg/``: GADSG, GDSG (LAENet hybrid diffusion);
- ``agents/rl/``: graph RL (GRLO-style masked PPO) and plain masked PPO (every problem);
- ``agents/checkpoints/``: the shipped models.

Depends on ``offload_gym``, never the reverse. :func:`agents.registration.register` (the
``offload_gym.methods`` entry point) registers every method (solve, policy and trainer hooks)
with ``offload_gym``'s methods registry by name, the code imported lazily, so
``offload-gym solve --solver kato`` and the evaluation harness find the methods without
loading torch up front. The old flat module paths
(``agents.vec_policy``, ``agents.gadsg_train``, ``agents.rl_common``, ...) still import, with
a DeprecationWarning, until the next release (see :mod:`agents._deprecated`).
"""

from pathlib import Path

CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"
