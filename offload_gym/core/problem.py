"""The Problem protocol: everything the problem-agnostic layers need to know about a problem.

A problem package (``offload_gym/vec``, ``offload_gym/laenet``, or an outside package)
describes itself with one :class:`Problem` object in its ``problem.py`` and registers it
through the ``offload_gym.problems`` entry-point group (``pyproject.toml``)::

    [project.entry-points."offload_gym.problems"]
    vec = "offload_gym.vec.problem:PROBLEM"

The datasets, evaluation, CLI and contract-test layers only ever talk to problems through
:func:`get_problem` / :func:`problems`; they never branch on a problem's name.

Every hook is a ``"module:attribute"`` string, imported on first use, so registering a
problem (and ``import offload_gym``) imports neither torch nor Pyomo nor the problem's
physics. The hooks, with the signatures a problem must give them:

==================  ============================================================================
field               meaning
==================  ============================================================================
``scenario``        the Scenario class (``from_dict`` / ``to_dict`` / ``to_json``)
``solution``        the Solution class (``from_dict`` / ``to_dict`` / ``to_json``)
``generate``        ``generate(size, preset=None, seed=None, **overrides) -> Scenario``
``evaluate``        the problem's one ``evaluate()`` (every method's output passes through it)
``dataset``         module with the dataset hooks (:class:`DatasetHooks`)
``scoring``         module with the scoring hooks (:class:`ScoringHooks`)
``methods``         module whose import registers the problem's methods (solvers, baselines)
``check``           ``check(scenario, solution) -> list[str]``: what the solution reports but
                    ``evaluate()`` does not confirm from its decision fields alone (empty:
                    they agree); the contract tests run every method's output through it
==================  ============================================================================

``objective`` names the Solution attribute the problem minimises (``completion_time_s``,
``cost``); ``size.small`` is a size every method answers in well under a second (the
contract tests in ``tests/contract/`` use it).

``size`` says how an instance's size is named, parsed from the command line and labelled
(VEC: the RSU count ``n_rsus``, ``20`` -> ``n20``; LAENet: the scale ``gs3_gu6_au4``).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
from collections.abc import Callable, Mapping
from typing import Any, Protocol

ENTRY_POINT_GROUP = "offload_gym.problems"

# Problems shipped in this distribution, found even when the package runs from a source
# checkout that was never pip-installed (no entry-point metadata then).
BUILTIN_PROBLEMS: Mapping[str, str] = {
    "vec": "offload_gym.vec.problem:PROBLEM",
    "laenet": "offload_gym.laenet.problem:PROBLEM",
}


# The problem the CLI uses when ``--problem`` is not given.
DEFAULT_PROBLEM = "vec"


class UnknownProblemError(ValueError):
    """A problem name nobody registered."""


def load_ref(ref: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute (or the module when no
    ``:attr`` is given)."""
    module_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


@dataclasses.dataclass(frozen=True)
class SizeSpec:
    """How a problem's instance size is named, parsed and labelled.

    ``name``: the keyword the generator and envs take (``n_rsus``, ``scale``);
    ``default``: the size used when none is given; ``parse``: text (CLI) -> size, raising
    ValueError naming the problem with the text; ``label``: size -> short label used in
    dataset names and evaluation rows (``n20``, ``gs3_gu6_au4``)."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    label: Callable[[Any], str]
    help: str = ""
    small: Any = None  # a quick size for smoke and contract tests (None: ``default``)
    aliases: tuple[str, ...] = ()  # older CLI flags for --size (``rsus`` -> ``--rsus``)


@dataclasses.dataclass(frozen=True)
class CliOption:
    """A generator override the CLI offers as ``--flag`` (``generate``, ``dataset``): the
    text is read with ``type`` and passed to the generator as ``keyword=value``."""

    flag: str  # "speed" -> --speed
    keyword: str  # "speed_mps"
    type: Callable[[str], Any] = float
    help: str = ""


class DatasetHooks(Protocol):
    """What the dataset layer asks a problem module (``offload_gym/datasets``; the full
    list with the defaults of the optional hooks: ``offload_gym.datasets.spec.DatasetHooks``
    and docs/datasets.md, "A problem's dataset hooks").

    Required: ``shard_arrays(spec, shard)``: generate and label one shard (arrays by name);
    ``decode(arrays, i)``: instance ``i`` of stored arrays as a validated Scenario;
    ``reference_cost(arrays, label_set)``: the labelled optimum per stored instance;
    ``generator_parameters(spec)``, ``labels_doc(spec)``: the dataset card's problem parts.
    Optional: ``SIZE_FIELD``, ``LABEL_SETS``, ``check_size(spec)``, ``check_spec(spec)``,
    ``command_args(spec)``, ``status_counts(arrays)``, ``solver_extras(spec)``,
    ``STAT_KEYS`` + ``metadata_extras(spec, records, stat_arrays)``, ``batch(arrays)``,
    ``torch_items(data, label_set, dtype, pad)``, ``pyg_graphs(data, label_set, dtype)``."""

    def shard_arrays(self, spec: Any, shard: Any) -> dict[str, Any]: ...
    def decode(self, arrays: Mapping[str, Any], i: int) -> Any: ...
    def reference_cost(self, arrays: Mapping[str, Any], label_set: str) -> Any: ...
    def generator_parameters(self, spec: Any) -> dict[str, Any]: ...
    def labels_doc(self, spec: Any) -> dict[str, Any]: ...


class ScoringHooks(Protocol):
    """What the evaluation harness asks a problem module.

    ``score(scenarios, solutions, dataset, label_set) -> (Scores, reference_name,
    n_uncertified)`` re-checks every output with the problem's ``evaluate()``;
    ``summary(scores) -> dict`` adds the problem's own summary metrics."""

    def score(self, scenarios: Any, solutions: Any, dataset: Any, label_set: str) -> Any: ...
    def summary(self, scores: Any) -> dict[str, float]: ...


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem, as the problem-agnostic layers see it (see the module docstring)."""

    name: str
    title: str
    size: SizeSpec
    presets: tuple[str, ...]
    default_preset: str
    scenario: str
    solution: str
    generate: str
    evaluate: str
    methods: str
    dataset: str | None = None
    scoring: str | None = None
    env_ids: Mapping[str, str] = dataclasses.field(default_factory=dict)
    doc: str = ""
    check: str | None = None
    objective: str = ""
    cli_options: tuple[CliOption, ...] = ()

    def hook(self, field: str) -> Any:
        """The object a hook field names, imported now."""
        ref = getattr(self, field)
        if ref is None:
            raise NotImplementedError(f"problem {self.name!r} does not provide {field!r}")
        return load_ref(ref)

    # conveniences over the hooks -------------------------------------------------------
    def scenario_type(self) -> type:
        return self.hook("scenario")

    def solution_type(self) -> type:
        return self.hook("solution")

    def make(self, size: Any = None, preset: str | None = None, seed: Any = None,
             **overrides: Any) -> Any:
        """A generated scenario (``size``/``preset`` default to the problem's defaults)."""
        return self.hook("generate")(self.size.default if size is None else size,
                                     preset or self.default_preset, seed, **overrides)

    def scenario_from_dict(self, data: Any) -> Any:
        return self.scenario_type().from_dict(data)

    @property
    def small_size(self) -> Any:
        """``size.small`` (or the default size when the problem names none)."""
        return self.size.default if self.size.small is None else self.size.small

    def check_solution(self, scenario: Any, solution: Any) -> list[str]:
        """Disagreements between ``solution`` and the problem's ``evaluate()`` (the
        ``check`` hook); empty when every reported field is confirmed."""
        return list(self.hook("check")(scenario, solution))

    def objective_of(self, solution: Any) -> float:
        """The minimised objective a solution reports (its ``objective`` attribute)."""
        if not self.objective:
            raise NotImplementedError(f"problem {self.name!r} does not name its objective")
        return float(getattr(solution, self.objective))

    def check_preset(self, preset: str) -> str:
        if preset not in self.presets:
            raise ValueError(f"preset: unknown {self.name} preset {preset!r} "
                             f"(known: {', '.join(self.presets)})")
        return preset


_PROBLEMS: dict[str, Problem] = {}
_discovered = False


def register_problem(problem: Problem) -> Problem:
    """Register (idempotently, by name) a problem; returns it."""
    _PROBLEMS[problem.name] = problem
    return problem


def unregister_problem(name: str) -> Problem | None:
    """Remove a registered problem (tests that register a throw-away problem); returns it.
    The built-in and entry-point problems are not re-discovered afterwards."""
    _discover()
    return _PROBLEMS.pop(name, None)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    refs = dict(BUILTIN_PROBLEMS)
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        refs.setdefault(ep.name, ep.value)
    for name, ref in refs.items():
        if name not in _PROBLEMS:
            register_problem(load_ref(ref))


def problems() -> list[Problem]:
    """Every registered problem, by name."""
    _discover()
    return [_PROBLEMS[k] for k in sorted(_PROBLEMS)]


def problem_names() -> list[str]:
    return [p.name for p in problems()]


def get_problem(name: str) -> Problem:
    """The registered problem called ``name``; unknown names list the known ones."""
    _discover()
    try:
        return _PROBLEMS[name]
    except KeyError:
        raise UnknownProblemError(f"problem: unknown problem {name!r} (known: "
                                  f"{', '.join(sorted(_PROBLEMS))})") from None
