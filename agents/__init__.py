"""Learned agents for offload-gym, one folder per method family:

- ``agents/kato/``: KATO, KATO+, SA, MLP (VEC selectors trained on certified optima);
- ``agents/gadsg/``: GADSG, GDSG (LAENet hybrid diffusion);
- ``agents/rl/``: graph RL (GRLO-style masked PPO) and plain masked PPO (every problem);
- ``agents/checkpoints/``: the shipped models.

Depends on ``offload_gym``, never the reverse. :mod:`agents.registration` registers every
method (solver, evaluation policy, trainer) with ``offload_gym``'s registries by name, with
the code imported lazily, so ``offload-gym solve --solver kato`` and the evaluation harness
find the methods without loading torch up front. The old flat module paths
(``agents.vec_policy``, ``agents.gadsg_train``, ``agents.rl_common``, ...) still import, with
a DeprecationWarning, until the next release (see :mod:`agents._deprecated`).
"""

from pathlib import Path

CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"


def _register_on_import() -> None:
    # offload_gym.core.registry imports this package to find the learned methods
    from agents.registration import register

    register()


_register_on_import()
