"""Score VECStream policies on fixed traces (SPEC-STREAM "For both": the evaluation harness).

Every policy is run on the SAME traces through the simulator's one step code, from empty
queues. Per policy (a summary row):

- ``mean_return`` (per episode) and ``return_ci95`` (half width of its 95 % t-interval),
- ``success_rate`` (tasks meeting their deadline, over every task of every episode),
- ``mean_latency_s`` (mean T_S of the successful tasks),
- ``ratio_to_lower_bound`` (mean over episodes of return / lower_bound; both are negative
  and lower_bound is the empty-queue optimum, so the ratio is >= 1 and 1 is unbeatable),
- ``wall_ms_per_decision`` (the policy's own time per task, the step code excluded).

:func:`paired_margin` compares two policies episode by episode on the same traces (mean
difference of returns with a 95 % t-interval), the measurement of docs/stream.md.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from offload_gym.vec.stream.policies import StreamPolicy, make_stream_policy
from offload_gym.vec.stream.simulator import StreamSimulator
from offload_gym.vec.stream.trace import StreamTrace, generate_trace, load_trace

COLUMNS = ("preset", "mobility", "policy", "episodes", "tasks", "mean_return", "return_ci95",
           "lower_bound", "success_rate", "mean_latency_s", "ratio_to_lower_bound",
           "wall_ms_per_decision")


@dataclass(frozen=True)
class EpisodeResult:
    """One policy on one trace."""

    policy: str
    trace: str
    episode_return: float
    lower_bound: float
    n_tasks: int
    successes: int
    latency_sum_s: float  # sum of T_S over the successful tasks
    decision_wall_s: float  # time spent in the policy's act()

    @property
    def success_rate(self) -> float:
        return self.successes / self.n_tasks if self.n_tasks else math.nan

    @property
    def ratio_to_lower_bound(self) -> float:
        """return / lower_bound (>= 1; 1 when the return reaches the bound)."""
        if self.lower_bound == 0:
            return 1.0 if self.episode_return == 0 else math.inf
        return self.episode_return / self.lower_bound


def run_episode(policy: StreamPolicy | str, trace: StreamTrace | StreamSimulator | Any,
                name: str = "") -> EpisodeResult:
    """Run ``policy`` on every task of ``trace`` from empty queues."""
    policy = make_stream_policy(policy)
    sim = trace if isinstance(trace, StreamSimulator) else StreamSimulator(trace)
    sim.reset()
    total = 0.0
    successes = 0
    latency = 0.0
    wall = 0.0
    while not sim.done:
        state = sim.task_state()
        start = time.perf_counter()
        selected = policy.act(sim, state)
        wall += time.perf_counter() - start
        result = sim.step(selected)
        total += result.reward
        if result.success:
            successes += 1
            latency += result.T_s
    return EpisodeResult(policy.name, name or sim.trace.preset, total, sim.episode_lower_bound(),
                         sim.n_tasks, successes, latency, wall)


def fixed_traces(preset: Any = None, count: int = 50, seed: int = 1000,
                 mobility: str = "highway", **kwargs: Any) -> list[StreamTrace]:
    """The fixed evaluation traces of a preset: seeds ``seed .. seed + count - 1``."""
    return [generate_trace(preset, seed + i, mobility, **kwargs) for i in range(count)]


def t_interval95(values: Sequence[float]) -> tuple[float, float]:
    """(mean, half width of the two-sided 95 % Student-t interval); half width nan for n < 2."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size < 2:
        return (float(arr.mean()) if arr.size else math.nan), math.nan
    from scipy import stats

    half = float(stats.t.ppf(0.975, arr.size - 1) * arr.std(ddof=1) / math.sqrt(arr.size))
    return float(arr.mean()), half


def paired_margin(better: Sequence[float], worse: Sequence[float]) -> dict[str, float]:
    """Episode-by-episode margin ``better - worse`` of two policies' returns on the same
    traces: mean, 95 % interval, and the mean relative margin (over |worse|)."""
    a = np.asarray(better, dtype=np.float64)
    b = np.asarray(worse, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired_margin: {a.shape} vs {b.shape} episodes")
    mean, half = t_interval95(a - b)
    return {"episodes": int(a.size), "margin": mean, "ci_low": mean - half,
            "ci_high": mean + half, "relative": float(np.mean((a - b) / np.abs(b)))}


def summarize(results: Sequence[EpisodeResult], **labels: Any) -> dict[str, Any]:
    """One summary row for one policy's episodes (``labels``: preset, mobility...)."""
    returns = [r.episode_return for r in results]
    mean, half = t_interval95(returns)
    tasks = sum(r.n_tasks for r in results)
    successes = sum(r.successes for r in results)
    return {**labels, "policy": results[0].policy, "episodes": len(results), "tasks": tasks,
            "mean_return": mean, "return_ci95": half,
            "lower_bound": float(np.mean([r.lower_bound for r in results])),
            "success_rate": successes / tasks if tasks else math.nan,
            "mean_latency_s": sum(r.latency_sum_s for r in results) / successes
            if successes else math.nan,
            "ratio_to_lower_bound": float(np.mean([r.ratio_to_lower_bound for r in results])),
            "wall_ms_per_decision": 1e3 * sum(r.decision_wall_s for r in results) / tasks
            if tasks else math.nan}


def evaluate_stream(policies: Sequence[StreamPolicy | str], traces: Sequence[Any],
                    labels: dict[str, Any] | None = None, names: Sequence[str] | None = None,
                    progress: Callable[[str], None] | None = None
                    ) -> tuple[list[dict[str, Any]], list[EpisodeResult]]:
    """Run every policy on every trace (a StreamTrace, dict or path); returns the summary
    rows (one per policy, in order) and every episode result (``names``: one per trace)."""
    loaded = [load_trace(t) for t in traces]
    if names is None:
        names = [str(t) if isinstance(t, (str, Path)) else f"trace{i}"
                 for i, t in enumerate(traces)]
    sims = [StreamSimulator(t) for t in loaded]  # lower bounds cached across policies
    made = [make_stream_policy(spec) for spec in policies]  # a bad policy fails before any run
    rows, episodes = [], []
    for policy in made:
        results = [run_episode(policy, sim, name) for sim, name in zip(sims, names, strict=True)]
        episodes.extend(results)
        rows.append(summarize(results, **(labels or {})))
        if progress:
            progress(f"{policy.name}: mean return {rows[-1]['mean_return']:.2f}")
    return rows, episodes


def replay_tasks(policy: StreamPolicy | str, trace: Any) -> list[dict[str, Any]]:
    """One policy on one trace, task by task: a row per task (index, vehicle, arrival,
    Q, D, selected RSUs, T_S, success, reward, lower-bound reward)."""
    policy = make_stream_policy(policy)
    sim = StreamSimulator(trace)
    rows = []
    while not sim.done:
        state = sim.task_state()
        r = sim.step(policy.act(sim, state))
        rows.append({"task": r.task_index, "vehicle": state.vehicle,
                     "arrival_s": state.arrival_s, "size_gbit": state.q_gbit,
                     "deadline_s": state.deadline_s,
                     "rsus": " ".join(str(i) for i in r.selected_rsus), "T_s": r.T_s,
                     "success": bool(r.success), "reward": r.reward,
                     "lower_bound_reward": r.lower_bound_reward})
    return rows


def summarize_replay(rows: Sequence[dict[str, Any]], trace: Any, policy: str) -> str:
    """A few lines summarising :func:`replay_tasks`' rows."""
    n = len(rows)
    ret = sum(r["reward"] for r in rows)
    lb = sum(r["lower_bound_reward"] for r in rows)
    ok = [r for r in rows if r["success"]]
    lat = sum(r["T_s"] for r in ok) / len(ok) if ok else math.nan
    tr = load_trace(trace)
    return (f"{policy} on {tr.preset} ({tr.mobility_kind}): {n} tasks, return {ret:.3f} "
            f"(lower_bound {lb:.3f}), success {len(ok)}/{n}, mean latency {lat:.4f} s")


def rows_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Per-task rows as CSV."""
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buf.getvalue()


# ------------------------------------------------------------------------ output
def _fmt(key: str, value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if key == "success_rate":
            return f"{100 * value:.1f} %"
        if key in ("wall_ms_per_decision",):
            return f"{value:.3g}"
        if key in ("ratio_to_lower_bound", "mean_latency_s"):
            return f"{value:.3f}"
        return f"{value:.2f}"
    return str(value)


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    present = {k for r in rows for k in r}
    return [c for c in COLUMNS if c in present]


def to_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The summary rows as a Markdown table."""
    cols = _columns(rows)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(c, r.get(c, math.nan)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The summary rows as CSV (full precision)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=_columns(rows), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def episodes_csv(episodes: Sequence[EpisodeResult]) -> str:
    """Every episode result as CSV."""
    buf = io.StringIO()
    fields = list(asdict(episodes[0])) if episodes else []
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for e in episodes:
        writer.writerow(asdict(e))
    return buf.getvalue()


def plot_results(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Bars of mean return (with its 95 % interval) and success rate per policy (PNG)."""
    from offload_gym.evaluation.plots import pyplot, save_figure

    plt = pyplot()
    names = [r["policy"] for r in rows]
    x = np.arange(len(rows))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(max(6.0, 1.1 * len(rows) + 3), 3.6))
    err = [0.0 if math.isnan(r.get("return_ci95", math.nan)) else r["return_ci95"] for r in rows]
    ax1.bar(x, [r["mean_return"] for r in rows], yerr=err, color="tab:blue", capsize=3)
    if rows and "lower_bound" in rows[0]:
        ax1.axhline(float(np.mean([r["lower_bound"] for r in rows])), color="k", ls="--",
                    lw=1, label="lower_bound")
        ax1.legend(fontsize=8)
    ax1.set_ylabel("mean return per episode")
    ax2.bar(x, [100 * r["success_rate"] for r in rows], color="tab:green")
    ax2.set_ylabel("success rate (%)")
    ax2.set_ylim(0, 100)
    for ax in (ax1, ax2):
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    return save_figure(fig, path)


def write_results(rows: Sequence[dict[str, Any]], out_dir: str | Path,
                  episodes: Sequence[EpisodeResult] = (), stem: str = "stream",
                  plot: bool = True) -> list[Path]:
    """Write ``{stem}.csv``, ``{stem}.md``, ``{stem}_episodes.csv`` (if given) and
    ``{stem}.png`` under ``out_dir``; returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.csv", out / f"{stem}.md"]
    paths[0].write_text(to_csv(rows))
    paths[1].write_text(to_markdown(rows) + "\n")
    if episodes:
        paths.append(out / f"{stem}_episodes.csv")
        paths[-1].write_text(episodes_csv(episodes))
    if plot:
        paths.append(plot_results(rows, out / f"{stem}.png"))
    return paths


__all__ = ["COLUMNS", "EpisodeResult", "evaluate_stream", "fixed_traces", "paired_margin",
           "plot_results", "replay_tasks", "rows_csv", "run_episode", "summarize",
           "summarize_replay", "t_interval95", "to_csv", "to_markdown", "write_results"]
