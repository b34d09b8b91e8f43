"""Build the SUMO networks shipped with offload-gym (VECStream ``mobility="sumo"``).

Runs SUMO's own ``netgenerate`` (from the ``eclipse-sumo`` package: ``pip install
'offload-gym[sumo]'``) once per spec in ``offload_gym.vec.stream.sumo.NETWORK_SPECS`` and
writes ``offload_gym/vec/stream/networks/<name>.net.xml`` (the generator's dated header is
stripped, so a rebuild with the same SUMO version gives the same files):

    python scripts/build_sumo_networks.py            # all networks
    python scripts/build_sumo_networks.py highway    # some of them
    python scripts/build_sumo_networks.py --out DIR  # somewhere else
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offload_gym.vec.stream.sumo import NETWORK_SPECS, NETWORKS_DIR, build_network, read_network


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[[], *NETWORK_SPECS],
                        help=f"networks to build (default: all of {list(NETWORK_SPECS)})")
    parser.add_argument("--out", type=Path, default=NETWORKS_DIR, help="output folder")
    args = parser.parse_args(argv)
    for name in args.names or list(NETWORK_SPECS):
        path = build_network(name, args.out)
        info = read_network(path)
        print(f"{path}: {len(info.edges)} edges, {len(info.roads)} streets, "
              f"{info.length_m:.0f} m, {path.stat().st_size / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
