"""Model-input features of stored instances, computed with the problems' own formulas
(numpy only; the torch / torch-geometric views wrap these).

VEC node rows (KATO): ``[x_m, y_m, beta_s_per_gbit, snr_db]``, the vehicle first (its SNR is
0), then the RSUs; beta = cycles_per_bit / cpu_ghz (``physics.compute_time_s_per_gbit``).
SNR is given in dB, as drawn (models may rescale; the physics uses it linearly).

LAENet: node features ``[theta, D, f, w]`` and edge features
``[flag, J_loc, J_tr, J_exe, lambda, mu]`` from ``laenet.physics.derive``; the padded
``[U, S+1, 6]`` form uses the TRAINING split maxima stored in ``metadata.json``
(``physics.padded_edge_features``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def vec_node_features(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """``[N, 1 + n, 4]`` node rows for a VEC split (vehicle first)."""
    from offload_gym.vec.physics import compute_time_s_per_gbit

    cpb = arrays["cycles_per_bit"]
    veh = np.stack([arrays["vehicle_x_m"], arrays["vehicle_y_m"],
                    compute_time_s_per_gbit(cpb, arrays["vehicle_cpu_ghz"]),
                    np.zeros_like(cpb)], axis=-1)[:, None, :]
    rsu = np.stack([arrays["rsu_x_m"], arrays["rsu_y_m"],
                    compute_time_s_per_gbit(cpb[:, None], arrays["rsu_cpu_ghz"]),
                    arrays["rsu_snr_db"]], axis=-1)
    return np.concatenate([veh, rsu], axis=1)


def laenet_padding(metadata: dict[str, Any]) -> tuple[float, float, float]:
    """(J_loc_max, J_tr_max, J_exe_max) of the training split, from the metadata."""
    f = metadata.get("features") or {}
    values = (f.get("j_loc_max"), f.get("j_tr_max"), f.get("j_exe_max"))
    if any(v is None for v in values):
        raise ValueError("this dataset has no training-split feature maxima (empty train "
                         "split); pass pad=(j_loc_max, j_tr_max, j_exe_max) explicitly")
    return tuple(float(v) for v in values)  # type: ignore[return-value]
