"""Hybrid diffusion of GADSG / GDSG: categorical on the offloading decision, Gaussian on the
CPU share (paper Sec. IV-A, Algorithms 1 and 2; the discrete part follows D3PM / DIFUSCO).

Schedule (our choice; the paper gives T = 200 training and 5 inference steps but no betas):
the cosine schedule of Nichol & Dhariwal, abar_t = cos^2(((t/T + s) / (1 + s)) pi / 2) /
cos^2(s pi / 2 / (1 + s)), s = 0.008, beta_t = 1 - abar_t / abar_{t-1} clipped to 0.999, so
that abar_T ~ 0 after only 200 steps (a linear 1e-4..0.02 schedule leaves abar_200 = 0.13).

* Categorical (binary x in {0, 1} per edge): Q_t = (1 - beta_t) I + beta_t / 2 11^T, symmetric
  and doubly stochastic; Qbar_t = Q_1 ... Q_t = abar_t I + (1 - abar_t) / 2 11^T. Forward:
  q(x_t | x_0) = Cat(x_0 Qbar_t). Strided reverse (DDIM-style, s < t): with
  Q_{t|s} = Qbar_s^{-1} Qbar_t = (abar_t / abar_s) I + (1 - abar_t / abar_s) / 2 11^T,
  q(x_s | x_t, x_0) propto (x_t Q_{t|s}^T) * (x_0 Qbar_s), marginalised over the model's
  p(x_0 | x_t).
* Gaussian (share y in [0, 1] mapped to z = 2y - 1): z_t = sqrt(abar_t) z_0 +
  sqrt(1 - abar_t) eps; the model predicts eps; deterministic DDIM (eta = 0) from t to s:
  z0_hat = (z_t - sqrt(1 - abar_t) eps_hat) / sqrt(abar_t) clipped to [-1, 1],
  z_s = sqrt(abar_s) z0_hat + sqrt(1 - abar_s) eps_hat.
"""

from __future__ import annotations

import math

import torch


def cosine_abar(n_steps: int, s: float = 0.008) -> torch.Tensor:
    """abar_t for t = 0..T (float64, abar_0 = 1), betas clipped at 0.999."""
    t = torch.arange(n_steps + 1, dtype=torch.float64) / n_steps
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    abar = f / f[0]
    beta = (1 - abar[1:] / abar[:-1]).clamp(max=0.999)
    return torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(1 - beta, 0)])


class HybridDiffusion:
    """Schedules and the forward / strided reverse steps of both diffusions."""

    def __init__(self, n_steps: int = 200) -> None:
        self.n_steps = n_steps
        self.abar = cosine_abar(n_steps)
        self.beta = 1 - self.abar[1:] / self.abar[:-1]  # beta_t for t = 1..T at index t-1

    # ------------------------------------------------------------------ matrices
    def q_step(self, t: int) -> torch.Tensor:
        """Q_t (2 x 2): one forward step of the categorical diffusion."""
        b = float(self.beta[t - 1])
        return (1 - b) * torch.eye(2, dtype=torch.float64) + b / 2 * torch.ones(2, 2,
                                                                           dtype=torch.float64)

    def q_bar(self, t: int | torch.Tensor) -> torch.Tensor:
        """Qbar_t (2 x 2, or [..., 2, 2] for a tensor t)."""
        a = self.abar[torch.as_tensor(t)]
        eye = torch.eye(2, dtype=torch.float64)
        return a[..., None, None] * eye + (1 - a[..., None, None]) / 2

    # ------------------------------------------------------------------ forward
    def noise_categorical(self, x0: torch.Tensor, t: torch.Tensor,
                          generator: torch.Generator | None = None) -> torch.Tensor:
        """x_t ~ Cat(x_0 Qbar_t) for binary x0 (long, per edge) and per-edge t (long)."""
        a = self.abar[t].to(torch.float32)
        p_one = torch.where(x0.bool(), a + (1 - a) / 2, (1 - a) / 2)
        return (torch.rand(p_one.shape, generator=generator) < p_one).long()

    def noise_gaussian(self, z0: torch.Tensor, t: torch.Tensor,
                       generator: torch.Generator | None = None
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_t, eps) with z_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps."""
        a = self.abar[t].to(torch.float32)
        eps = torch.randn(z0.shape, generator=generator)
        return a.sqrt() * z0 + (1 - a).sqrt() * eps, eps

    # ------------------------------------------------------------------ reverse
    def categorical_posterior(self, x_t: torch.Tensor, p0: torch.Tensor, t: int, s: int
                              ) -> torch.Tensor:
        """p(x_s = 1 | x_t, p(x_0)) for s < t, with p0 = p(x_0 = 1) per edge."""
        r = float(self.abar[t] / self.abar[s])
        a_s = float(self.abar[s])
        # likelihood of x_t given x_s = k: Q_{t|s}[k, x_t]
        like1 = torch.where(x_t.bool(), r + (1 - r) / 2, (1 - r) / 2)
        like0 = torch.where(x_t.bool(), (1 - r) / 2, r + (1 - r) / 2)
        # prior of x_s = k under x_0 ~ p0: (p0 Qbar_s)[k]
        prior1 = p0 * (a_s + (1 - a_s) / 2) + (1 - p0) * (1 - a_s) / 2
        prior0 = 1 - prior1
        num1, num0 = like1 * prior1, like0 * prior0
        return num1 / (num1 + num0).clamp(min=1e-12)

    def ddim_gaussian(self, z_t: torch.Tensor, eps_hat: torch.Tensor, t: int, s: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_s, z0_hat): one deterministic DDIM step from t to s (s = 0 gives z0_hat)."""
        a_t, a_s = float(self.abar[t]), float(self.abar[s])
        z0 = ((z_t - math.sqrt(1 - a_t) * eps_hat) / math.sqrt(a_t)).clamp(-1, 1)
        return math.sqrt(a_s) * z0 + math.sqrt(1 - a_s) * eps_hat, z0

    def inference_times(self, n_inference: int) -> list[int]:
        """Strided times T = t_0 > t_1 > ... > t_n = 0 (evenly spaced, DDIM)."""
        ts = torch.linspace(self.n_steps, 0, n_inference + 1).round().long().tolist()
        return sorted(set(ts), reverse=True)
