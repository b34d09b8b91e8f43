"""Deprecated: moved to :mod:`agents.kato.policy` (removed in the next release)."""

from agents._deprecated import alias_module

alias_module(__name__, "agents.kato.policy")
