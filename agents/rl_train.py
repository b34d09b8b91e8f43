"""Deprecated: moved to :mod:`agents.rl.train` (removed in the next release)."""

from agents._deprecated import alias_module

alias_module(__name__, "agents.rl.train")
