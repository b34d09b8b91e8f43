"""Every script in examples/ runs in its fast mode."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs_fast(script):
    res = subprocess.run([sys.executable, str(script), "--fast"], capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip()


def test_demo_quick_runs():
    from offload_gym.demo import run_demo

    assert run_demo(seed=1, n_rsus=8, scale="gs2_gu4_au2", quick=True) == 0
