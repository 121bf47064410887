"""The ``sparsefs`` command: parses arguments, calls the library, prints results."""

from __future__ import annotations

import argparse
import sys

from . import __version__


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    print(f"{'dataset':40s} {'method':11s} {'K':>3s} {'SVM acc':>8s} {'coverage':>9s} {'fit s':>7s} {'params':>9s} {'FLOPs':>9s}")

    def show(row):
        cov = "-" if row.coverage is None else f"{row.coverage:.2f}"
        print(
            f"{row.dataset:40s} {row.method:11s} {row.k:3d} {row.svm_accuracy:8.4f} {cov:>9s} "
            f"{row.fit_seconds:7.1f} {row.n_parameters:9d} {row.training_flops:9.2e}",
            flush=True,
        )

    run_demo(seed=args.seed, max_epochs=args.max_epochs, report=show)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sparsefs", description="Feature selection with sparse neural networks.")
    parser.add_argument("--version", action="version", version=f"sparsefs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="compare SET-Attr, SET-QS and Dense-Attr on bundled data (offline)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--max-epochs", type=int, default=100)
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
