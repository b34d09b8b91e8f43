"""LAENet solvers (SPEC-LAENET.md "Reference solvers"). Each takes a Scenario and returns a
:class:`~offload_gym.laenet.solution.Solution` built through ``evaluate.make_solution``.
Solvers are registered in ``offload_gym.laenet`` and imported lazily by the registry."""
