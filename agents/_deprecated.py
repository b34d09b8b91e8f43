"""Old module paths of the flat ``agents/`` layout, kept one release as deprecated aliases.

Each old module (``agents/vec_policy.py``, ``agents/gadsg_train.py``, ...) is a two-line file
calling :func:`alias_module`: importing it warns once and binds the OLD name to the NEW module
object in ``sys.modules``, so attribute access, monkeypatching and unpickling through the old
path (e.g. SB3 checkpoints that pickled ``agents.gnn_extractor.GraphExtractor``) reach the very
same objects. ``python -m OLD`` runs the new module as ``__main__``.
"""

from __future__ import annotations

import importlib
import runpy
import sys
import warnings

# old module path -> new module path (the table docs/architecture.md and the shim test read)
MOVED: dict[str, str] = {
    "agents.vec_features": "agents.kato.features",
    "agents.kato_train": "agents.kato.train",
    "agents.train_cli": "agents.kato.train",
    "agents.vec_policy": "agents.kato.policy",
    "agents.diffusion": "agents.gadsg.diffusion",
    "agents.gadsg_features": "agents.gadsg.features",
    "agents.graph_encoders": "agents.gadsg.encoders",
    "agents.gadsg_decode": "agents.gadsg.decode",
    "agents.gadsg_policy": "agents.gadsg.policy",
    "agents.gadsg_train": "agents.gadsg.train",
    "agents.gadsg_eval": "agents.gadsg.report",
    "agents.gnn_extractor": "agents.rl.extractor",
    "agents.rl_common": "agents.rl.common",
    "agents.rl_policy": "agents.rl.policy",
    "agents.rl_train": "agents.rl.train",
    "agents.rl_report": "agents.rl.report",
    "agents.policies": "agents.registration",
}


def deprecation_message(old: str, new: str) -> str:
    return (f"{old} is deprecated and will be removed in the next release; "
            f"use {new} (agents/ is now one folder per method)")


def alias_module(old: str, new: str | None = None) -> None:
    """Called by an old module with its ``__name__``: warn, then make ``old`` name ``new``.

    Run as a script (``python -m agents.gadsg_eval``) the old name is ``"__main__"``: the new
    module then runs as ``__main__`` with the same arguments."""
    if old == "__main__":
        target = new or ""
        warnings.warn(deprecation_message(f"python -m {_script_name()}", f"python -m {target}"),
                      DeprecationWarning, stacklevel=2)
        runpy.run_module(target, run_name="__main__", alter_sys=True)
        return
    target = new or MOVED[old]
    warnings.warn(deprecation_message(old, target), DeprecationWarning, stacklevel=3)
    sys.modules[old] = importlib.import_module(target)


def _script_name() -> str:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return spec.name if spec is not None else "the old module"
