"""Stability across seeds in study results: a hand-made store checked against hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from sparsefs.cli import main
from sparsefs.report.text import format_stability
from sparsefs.study import Cell, CellOutcome, open_store, stability_table


def _vector(top, d=10):
    """An importance vector whose top features are ``top``, in that order."""
    values = np.zeros(d)
    values[list(top)] = np.arange(len(top), 0, -1)
    return values


def lasso(seed, top, C=1.0):
    cell = Cell("Yale", "lasso", {"C": C}, seed, ("abs_coefficient",))
    record = {"val_loss": 0.5, "n_parameters": 10, "training_flops": 100, "fit_seconds": 0.1}
    return CellOutcome(cell, "done", record, {"abs_coefficient": {"final": _vector(top)}},
                       [("abs_coefficient", "final", 2, 0.5)])


def network(seed, attr_top, qs_top):
    cell = Cell("Yale", "set", {"sparsity": 0.9, "l2": 1e-4}, seed, ("attribution", "strength"))
    record = {"val_loss": 0.5, "n_parameters": 10, "training_flops": 100, "fit_seconds": 0.1}
    importances = {"attribution": {"all_epochs": _vector(attr_top)}, "strength": {"all_epochs": _vector(qs_top)}}
    accuracies = [("attribution", "all_epochs", 2, 0.5), ("strength", "all_epochs", 2, 0.5)]
    return CellOutcome(cell, "done", record, importances, accuracies)


@pytest.fixture
def store(tmp_path):
    outcomes = [
        # Lasso: the same top-2 in every seed (the rest of the order differs): stability 1.
        lasso(0, [0, 1, 2]), lasso(1, [1, 0, 3]), lasso(2, [0, 1, 4]),
        # SET-Attr: top-2 {0,1}, {0,1}, {0,2} of d = 10: p = (1, 2/3, 1/3, 0, ...), k = 2,
        # stability = 1 - (3/2 * (2 * 2/9) / 10) / (0.2 * 0.8) = 0.58333...
        network(0, [0, 1], [5, 6]), network(1, [0, 1], [7, 8]), network(2, [0, 2], [5, 6]),
    ]
    with open_store(tmp_path / "hand.sqlite") as results:
        for item in outcomes:
            results.save(item)
        yield results


def test_stability_per_dataset_and_method(store):
    table = stability_table(store, k=2).set_index("method")
    assert table.loc["Lasso", "stability"] == pytest.approx(1.0)
    assert table.loc["SET-Attr", "stability"] == pytest.approx(1 - (1.5 * (4 / 9) / 10) / 0.16)
    # QS: {5,6}, {7,8}, {5,6}: p = 2/3 for 5 and 6, 1/3 for 7 and 8.
    assert table.loc["SET-QS", "stability"] == pytest.approx(1 - (1.5 * (4 * 2 / 9) / 10) / 0.16)
    assert table.loc["SET-Attr", "lower"] < table.loc["SET-Attr", "stability"] < table.loc["SET-Attr", "upper"]
    assert set(table.seeds) == {3}
    assert "0.58 [" in format_stability(stability_table(store, k=2), 2)


def test_one_seed_has_no_stability(tmp_path):
    with open_store(tmp_path / "one.sqlite") as results:
        results.save(lasso(0, [0, 1]))
        assert stability_table(results, k=2).empty
        assert "no dataset and method" in format_stability(stability_table(results, k=2), 2)


def test_results_command_prints_it(store, capsys):
    assert main(["results", str(store.path), "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert "stability of the top 2 features across seeds" in out and "1.00 [" in out
