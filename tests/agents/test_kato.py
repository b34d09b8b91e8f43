"""KATO and its ablations: the model follows the paper's equations, training is seeded and
beats a random selection, shipped checkpoints are small and run through the CLI."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from agents.kato.features import build_inputs, unsort
from agents.kato.model import AttenSelect, decode_prefix, decode_threshold
from agents.kato.policy import CHECKPOINT_DIR, VecSelectorPolicy, default_checkpoint
from agents.kato.train import METHODS, TrainConfig, label_batch, load_checkpoint, train
from offload_gym.cli import main
from offload_gym.vec import evaluate, generate, generate_batch
from offload_gym.vec.allocation import equal_finish
from offload_gym.vec.solvers.exact import solve_exact_batch


def test_attenselect_matches_paper_equations():
    """e = (a_0 W_Q) (T_K A W_K)^T / sqrt(h) with T_K the lower-triangular ones matrix."""
    torch.manual_seed(0)
    model = AttenSelect("kato", hidden=5, decoder="dense", n_max=6)
    a = torch.randn(1, 7, 4)
    valid = torch.ones(1, 6)
    t_k = torch.tril(torch.ones(7, 7))
    k = t_k @ a[0] @ model.w_k.weight.T
    q = a[0, 0] @ model.w_q.weight.T
    e = (k @ q) / math.sqrt(5)
    expected = model.g(e[1:][None])
    assert torch.allclose(model(a, valid), expected, atol=1e-6)


def test_shared_decoder_runs_on_any_size_and_dense_refuses_larger():
    for n in (1, 5, 100):
        out = AttenSelect("kato")(torch.randn(3, n + 1, 4), torch.ones(3, n))
        assert out.shape == (3, n)
    dense = AttenSelect("kato", decoder="dense", n_max=10)
    assert dense(torch.randn(2, 6, 4), torch.ones(2, 5)).shape == (2, 5)
    with pytest.raises(ValueError, match="n_rsus"):
        dense(torch.randn(2, 12, 4), torch.ones(2, 11))


def test_inputs_follow_the_paper_layout():
    batch = generate_batch(4, 6, seed=1)
    inputs = build_inputs(batch)
    assert inputs.rows.shape == (4, 7, 4)
    # vehicle first with eta_0 = 0; RSUs by descending CPU
    assert np.all(inputs.rows[:, 0, 3] == 0)
    cpu_sorted = np.take_along_axis(batch.rsu_cpu_ghz, inputs.order, axis=1)
    assert np.all(np.diff(cpu_sorted, axis=1) <= 0)
    values = np.arange(24.0).reshape(4, 6)
    assert np.array_equal(unsort(np.take_along_axis(values, inputs.order, 1), inputs.order),
                          values)


def test_labels_are_the_paper_optimum():
    batch = generate_batch(50, 8, seed=2)
    _, valid, labels = label_batch(batch)
    inputs = build_inputs(batch)
    mask = unsort(labels.astype(bool), inputs.order)
    ref = solve_exact_batch(batch, "equal_finish", mobcheck=True)
    assert np.array_equal(mask, ref.selected_mask)
    assert np.all(labels <= valid)  # never label an RSU that MobCheck drops


def test_prefix_decoding_never_slower_than_local_and_optimal_on_perfect_scores():
    batch = generate_batch(200, 10, seed=3)
    inputs = build_inputs(batch)
    ref = solve_exact_batch(batch, "equal_finish", mobcheck=True)
    perfect = np.take_along_axis(ref.selected_mask, inputs.order, 1).astype(float)
    mask = unsort(decode_prefix(perfect, inputs), inputs.order)
    t = equal_finish(inputs.physics, mask).time_s
    assert np.allclose(t, ref.completion_time_s, rtol=1e-12)
    assert np.array_equal(decode_threshold(perfect, inputs), perfect.astype(bool))
    noisy = np.random.default_rng(0).random(perfect.shape)
    t_noisy = equal_finish(inputs.physics, unsort(decode_prefix(noisy, inputs),
                                                   inputs.order)).time_s
    assert np.all(t_noisy <= inputs.physics.local_time_s * (1 + 1e-12))


def _ratio_of(policy_masks, batch):
    opt = solve_exact_batch(batch, "equal_finish", mobcheck=True).completion_time_s
    return equal_finish(batch.physics(), policy_masks).time_s / opt


def test_short_training_is_seeded_and_beats_random(tmp_path):
    cfg = TrainConfig(method="kato_plus", count=3000, epochs=3, n_rsus=10, seed=5)
    first, second = train(cfg, progress=False), train(cfg, progress=False)
    for p, q in zip(first.model.parameters(), second.model.parameters(), strict=True):
        assert torch.equal(p, q)
    from agents.kato.train import save_checkpoint

    path = tmp_path / "m.pt"
    save_checkpoint(first, path, command="test")
    policy = VecSelectorPolicy(path)
    batch = generate_batch(500, 10, seed=123)
    masks, _, _, ok = policy.act_arrays(batch)
    survivors = batch.physics().mobcheck()
    rng = np.random.default_rng(0)
    random_masks = survivors & (rng.random(survivors.shape) < 0.5)
    learned, rand = _ratio_of(masks, batch).mean(), _ratio_of(random_masks, batch).mean()
    assert ok.all()
    assert learned < 1.10 and learned < rand - 0.10, (learned, rand)


SHIPPED = sorted(CHECKPOINT_DIR.glob("vec_*.pt"))


@pytest.mark.skipif(not SHIPPED, reason="no shipped checkpoints")
@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_checkpoints_are_small_and_documented(path: Path):
    assert path.stat().st_size < 20_000
    _, ckpt = load_checkpoint(path)
    assert ckpt["command"].startswith("offload-gym train ")
    assert ckpt["method"]["name"] in METHODS


@pytest.mark.parametrize("method", sorted(METHODS))
def test_solve_cli_runs_each_shipped_agent(tmp_path, capsys, method):
    if not default_checkpoint(method).is_file():
        pytest.skip(f"{method} checkpoint not shipped")
    s = generate(20, seed=7)
    path = tmp_path / "s.json"
    s.to_file(path)
    assert main(["solve", str(path), "--solver", method]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["solver"] == method and out["rule"] == "equal_finish" and out["mobcheck"]
    ev = evaluate(s, out["selected"], out["allocation_gbit"])
    assert ev.completion_time_s == pytest.approx(out["completion_time_s"])


def test_train_cli_writes_a_loadable_checkpoint_with_its_command(tmp_path, capsys):
    out = tmp_path / "k.pt"
    argv = ["train", "kato", "--rsus", "6", "--count", "300", "--epochs", "1", "--quiet",
            "--out", str(out)]
    assert main(argv) == 0
    _, ckpt = load_checkpoint(out)
    assert ckpt["command"] == "offload-gym train " + " ".join(argv[1:])
    assert ckpt["method"] == METHODS["kato"] | {"name": "kato"}
    assert main(["train", "list"]) == 0
    assert "kato_plus" in capsys.readouterr().out
    assert main(["train", "no_such_method"]) == 2


def test_train_from_a_dataset_directory(tmp_path):
    from offload_gym.datasets import DatasetSpec, build_dataset

    data = tmp_path / "data"
    build_dataset(DatasetSpec(problem="vec", preset="kato2025", count=300, seed=0, size=6,
                              shard_size=100), data, progress=False)
    out = tmp_path / "k.pt"
    assert main(["train", "sa", "--data", str(data), "--epochs", "1", "--quiet",
                 "--out", str(out)]) == 0
    _, ckpt = load_checkpoint(out)
    assert ckpt["train"]["count"] == 300 and ckpt["train"]["n_rsus"] == 6
