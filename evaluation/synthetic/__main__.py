"""Command line: ``python -m evaluation.synthetic OUT_DIR [--seed N] [--readme PATH]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evaluation.synthetic.write import DEFAULT_SEED, write_sample


def main(argv: list[str] | None = None) -> int:
    """Write the synthetic sample data folder and list the files written."""
    parser = argparse.ArgumentParser(
        prog="python -m evaluation.synthetic", description="Write the synthetic sample data folder."
    )
    parser.add_argument("out_dir", help="folder to write (created if missing)")
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed (default {DEFAULT_SEED}, the committed sample)",
    )
    parser.add_argument(
        "--readme",
        metavar="PATH",
        help="also write the data dictionary and sample description here (data/README.md)",
    )
    args = parser.parse_args(argv)
    for path in write_sample(args.out_dir, seed=args.seed):
        print(f"{path}  {path.stat().st_size / 1024:.0f} kB")
    if args.readme:
        from evaluation.synthetic.docs import readme

        Path(args.readme).write_bytes(readme(args.seed).encode("utf-8"))
        print(args.readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
