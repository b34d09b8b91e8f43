"""The dataset bytes are pinned: the datasets of ``dataset_digests.SPECS`` built today are
byte-identical to the ones built by the code before the Problem-protocol refactor (issue 14;
recorded in ``golden_dataset_digests.json`` from commit d09fbf2), and so are the decoded
scenarios, reference costs, size labels, spec commands and torch / torch-geometric views.

Regenerate the golden file only for an intended format change:
``python tests/datasets/dataset_digests.py tests/datasets/golden_dataset_digests.json``.
"""

from __future__ import annotations

import importlib.util
import json
import platform
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
GOLDEN = json.loads((HERE / "golden_dataset_digests.json").read_text())


def _digests_module():
    spec = importlib.util.spec_from_file_location("_dataset_digests",
                                                  HERE / "dataset_digests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif((np.__version__, platform.machine()) != (GOLDEN["numpy"],
                                                            GOLDEN["machine"]),
                    reason="golden digests were recorded with another numpy / machine type")
@pytest.mark.parametrize("name", sorted(GOLDEN["datasets"]))
def test_datasets_are_byte_identical_to_the_recorded_ones(tmp_path, name):
    digests = _digests_module()
    kwargs = dict(digests.SPECS)[name]
    got = digests.dataset_digests(kwargs, tmp_path / name)
    if "torch" not in got["views_train"]:  # torch not installed: compare the rest
        got["views_train"] = GOLDEN["datasets"][name]["views_train"]
    assert got == GOLDEN["datasets"][name]
