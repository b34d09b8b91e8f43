"""The toy third problem's descriptor; importing this package registers it."""

from offload_gym.core.problem import Problem, SizeSpec, register_problem

PROBLEM = Problem(
    name="toy",
    title="toy: n tasks on a device or one server, minimise the makespan",
    size=SizeSpec(name="n_tasks", default=6, parse=int, label=lambda n: f"t{n}", small=4),
    presets=("uniform",),
    default_preset="uniform",
    scenario="tests.toy_problem.toy:Scenario",
    solution="tests.toy_problem.toy:Solution",
    generate="tests.toy_problem.toy:generate",
    evaluate="tests.toy_problem.toy:evaluate",
    methods="tests.toy_problem.toy",
    dataset="tests.toy_problem.dataset",
    check="tests.toy_problem.toy:check_solution",
    objective="makespan_s",
)
register_problem(PROBLEM)  # an installed package uses the offload_gym.problems entry point
