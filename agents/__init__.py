"""Learned agents for offload-gym (KATO, GADSG/GDSG, graph RL). Depends on offload_gym,
never the reverse; the CLI reaches these through lazily-imported registry entries."""
