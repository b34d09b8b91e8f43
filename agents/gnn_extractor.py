"""Deprecated: moved to :mod:`agents.rl.extractor` (removed in the next release)."""

from agents._deprecated import alias_module

alias_module(__name__, "agents.rl.extractor")
