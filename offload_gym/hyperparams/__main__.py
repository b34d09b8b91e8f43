"""``python -m offload_gym.hyperparams ALGO``: print the path of ALGO's rl-zoo3 file."""

import sys

from offload_gym.hyperparams import main

sys.exit(main())
