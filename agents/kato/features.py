"""Model inputs for the VEC selectors (KATO, SA, MLP), built from the physics in one place.

KATO's input matrix A (paper eq. 2) has one row per node, ``[x, y, beta, eta]``: the
vehicle first (eta_0 = 0), then the RSUs sorted by DESCENDING computing power.

``features="paper"`` is that matrix with our scaling (the paper leaves it open): positions
as offsets from the vehicle, folded by the road's symmetry and divided by the range,
|x_i - x0| / xi and |y_i - y0| / xi (so the vehicle row is [0, 0, beta_0, 0] and every
value lies in [0, 1] for every preset; with signed or absolute coordinates the bilinear
score q . k cannot express distance, and training stalls near chance: measured
mean ratio 5.5 with threshold decoding), beta = b/f in s/Gbit (divided by
``BETA_SCALE_S`` = 1 s), and the SNR in dB divided by ``SNR_SCALE_DB`` = 30 dB.

``features="physical"`` (our improved KATO+) replaces the SNR column by the per-Gbit
transmit time tau_i (s/Gbit, whole band): the quantity the optimum actually ranks by,
together with beta, through c_i(m) = beta_i + m tau_i.

Everything is vectorised over a :class:`~offload_gym.vec.batch.ScenarioBatch` (same n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from offload_gym.vec.batch import ScenarioBatch
from offload_gym.vec.physics import VecPhysics

BETA_SCALE_S = 1.0
SNR_SCALE_DB = 30.0
N_FEATURES = 4


@dataclass(frozen=True)
class VecModelInput:
    """``rows`` [B, 1 + n, 4] (vehicle first, RSUs by descending CPU); ``order`` [B, n]:
    RSU index of each sorted position; ``survivor`` [B, n]: MobCheck survivors (sorted)."""

    rows: np.ndarray
    order: np.ndarray
    survivor: np.ndarray
    physics: VecPhysics


FEATURES = ("paper", "physical")


def build_inputs(batch: ScenarioBatch, features: str = "paper", mobcheck: bool = True
                 ) -> VecModelInput:
    """Model rows for a batch; ``mobcheck=False`` keeps every RSU as a candidate (the
    paper's "without MobCheck" ablation of Fig. 3)."""
    if features not in FEATURES:
        raise ValueError(f"features: unknown {features!r} (known: {FEATURES})")
    phys = batch.physics()
    order = np.argsort(-batch.rsu_cpu_ghz, axis=1, kind="stable")
    take = lambda a: np.take_along_axis(a, order, axis=1)  # noqa: E731
    scale = batch.range_m[:, None]
    last = (take(batch.rsu_snr_db) / SNR_SCALE_DB if features == "paper"
            else take(phys.tau_s_per_gbit) / BETA_SCALE_S)
    rsu = np.stack([
        np.abs(take(batch.rsu_x_m) - batch.vehicle_x_m[:, None]) / scale,
        np.abs(take(batch.rsu_y_m) - batch.vehicle_y_m[:, None]) / scale,
        take(phys.beta_s_per_gbit) / BETA_SCALE_S,
        last,
    ], axis=-1)
    vehicle = np.stack([np.zeros(len(batch)), np.zeros(len(batch)),
                        phys.beta0_s_per_gbit / BETA_SCALE_S, np.zeros(len(batch))], axis=-1)
    rows = np.concatenate([vehicle[:, None, :], rsu], axis=1).astype(np.float32)
    survivor = take(phys.mobcheck()) if mobcheck else np.ones(order.shape, dtype=bool)
    return VecModelInput(rows, order, survivor, phys)


def unsort(sorted_values: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Map per-position values [B, n] back to RSU index order."""
    out = np.empty_like(sorted_values)
    np.put_along_axis(out, order, sorted_values, axis=1)
    return out
