"""Bad input on the task, K-selection, baseline and plotting surfaces: one clear message, or the
result a careful user expects, never a silent wrong result (each test but the float-threshold
cases, which the parameter constraints already refused, failed before its fix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sparsefs import SparseFeatureSelector
from sparsefs.baselines import STGSelector, VarianceSelector
from sparsefs.cli import main
from sparsefs.registry import TASKS
from sparsefs.study import ConfigError, parse_config

RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 6))
Y = np.repeat([0, 1], 30)


def small(**params):
    return SparseFeatureSelector(2, **{"hidden_layer_sizes": (8,), "max_epochs": 2, "random_state": 0, **params})


@pytest.fixture
def files(tmp_path):
    frame = pd.DataFrame(X, columns=list("abcdef"))
    counts = tmp_path / "counts.csv"
    frame.assign(y=(np.abs(X[:, 0]) * 1000).astype(int) + 7).to_csv(counts, index=False)  # whole numbers: read as classes
    words = tmp_path / "words.csv"
    frame.assign(y=np.where(Y == 0, "cat", "dog")).to_csv(words, index=False)
    return counts, words


def test_cli_regression_on_whole_numbers_regresses_on_their_values(files, tmp_path, capsys):
    counts, _ = files
    out = tmp_path / "r.csv"
    assert main(["select", str(counts), "--target", "y", "--task", "regression", "-k", "2", "--max-epochs", "2",
                 "--hidden-layer-sizes", "8", "--out", str(out), "--quiet"]) == 0
    assert "a continuous target (regression)" in capsys.readouterr().out
    assert main(["evaluate", str(counts), "--target", "y", "--task", "regression", "--ranking", str(out), "-k", "2"]) == 0
    printed = capsys.readouterr().out.splitlines()
    rmse = float(printed[-1].split()[-1])
    assert rmse > 50  # the targets' own scale (hundreds), not that of class codes 0..C-1


def test_cli_regression_on_words_is_refused(files, tmp_path, capsys):
    _, words = files
    assert main(["select", str(words), "--target", "y", "--task", "regression", "-k", "2", "--max-epochs", "1",
                 "--out", str(tmp_path / "r.csv"), "--quiet"]) == 2
    assert "regression needs a numeric target: the target of words holds labels such as 'cat'" in capsys.readouterr().err


def test_cli_threshold_accepts_a_number(tmp_path, capsys):
    path = tmp_path / "d.csv"
    pd.DataFrame(X, columns=list("abcdef")).assign(label=Y).to_csv(path, index=False)
    assert main(["select", str(path), "--target", "label", "--threshold", "0", "-k", "6", "--max-epochs", "1",
                 "--hidden-layer-sizes", "8", "--out", str(tmp_path / "r.csv"), "--quiet"]) == 0
    assert pd.read_csv(tmp_path / "r.csv").selected.all()  # every importance is >= 0
    assert main(["select", str(path), "--target", "label", "--threshold", "1e9*mean", "--max-epochs", "1",
                 "--hidden-layer-sizes", "8", "--out", str(tmp_path / "r.csv"), "--quiet"]) == 0
    assert "no feature selected" in capsys.readouterr().out


@pytest.mark.parametrize("threshold", ["nan*mean", "inf*mean", "nan", "-inf", float("nan"), float("inf")])
def test_a_threshold_must_be_finite(threshold):
    with pytest.raises(ValueError, match="not a finite number|threshold.* parameter"):
        SparseFeatureSelector(None, threshold=threshold).fit(X, Y)


def test_variance_ranks_constant_features_last():
    data = np.c_[X[:, :3] * 0.1, np.full(60, 5.0), X[:, 3:] * 0.05]
    selector = VarianceSelector(1, random_state=0).fit(data)
    assert selector.feature_importances_[3] == 0 and not selector.get_support()[3]


def test_a_baseline_checks_its_layer_sizes_when_fitted():
    pytest.importorskip("stg")
    with pytest.raises(ValueError, match="hidden_dims"):
        STGSelector(2, hidden_dims=(0,), max_epochs=1, random_state=0).fit(X, Y)


def test_an_unsupervised_study_on_a_continuous_target_is_refused_before_any_work(tmp_path):
    with pytest.raises(ConfigError, match="needs class labels, but friedman-50 has a continuous target"):
        parse_config({"study": {"store": str(tmp_path / "s.sqlite"), "datasets": ["friedman-50"], "seeds": 1,
                                "task": "unsupervised"}, "network": {"training": ["set"], "sparsity": [0.9]}})
    with pytest.raises(ConfigError, match="'classification' needs class labels"):
        parse_config({"study": {"store": str(tmp_path / "s.sqlite"), "datasets": ["friedman-50"], "seeds": 1,
                                "task": "classification"}, "network": {"training": ["set"], "sparsity": [0.9]}})


def test_cli_evaluates_an_unsupervised_ranking_of_regression_data_by_reconstruction(tmp_path, capsys):
    path = tmp_path / "reg.csv"
    pd.DataFrame(X, columns=list("abcdef")).assign(y=X[:, 0] * 2.5).to_csv(path, index=False)
    ranking = tmp_path / "r.csv"
    pd.DataFrame({"rank": range(1, 7), "feature": list("abcdef")}).to_csv(ranking, index=False)
    assert main(["evaluate", str(path), "--target", "y", "--task", "unsupervised", "--ranking", str(ranking),
                 "-k", "2"]) == 0
    table = capsys.readouterr().out
    assert "reconstruction_mse" in table and "accuracy" not in table


def test_classification_without_any_label_is_one_message():
    with pytest.raises(ValueError, match="^y holds no labels$"):
        small(task="classification").fit(X, np.zeros((60, 0)))


def test_callbacks_are_checked_and_numpy_true_stops():
    with pytest.raises(TypeError, match="on_epoch_end must be a function"):
        small().fit(X, Y, on_epoch_end=5)
    stopped = small(max_epochs=5).fit(X, Y, on_epoch_end=lambda record: np.bool_(record["epoch"] >= 2))
    assert stopped.n_epochs_ == 2 and stopped.stop_reason_ == "callback"
    assert small(max_epochs=3).fit(X, Y, on_epoch_end=lambda record: np.False_).n_epochs_ == 3


@pytest.mark.parametrize("answer", [17, "logged", np.array([True, False])])
def test_a_callback_answer_that_is_not_a_yes_or_no_is_refused(answer):
    # e.g. a logger returning what file.write returns: it must not stop the fit by accident
    with pytest.raises(TypeError, match="on_epoch_end returned .*return True to stop the fit"):
        small(max_epochs=3).fit(X, Y, on_epoch_end=lambda record: answer)


def test_a_kept_network_scores_only_labels_of_every_row():
    network = small(keep_network=True).fit(X, Y).network_
    with pytest.raises(ValueError, match="does not match the 60 rows"):
        network.score(X, [0])
    assert network.score(X, Y[:, None]) == network.score(X, Y)  # a column vector is one label per row


def test_plots_refuse_unfitted_selectors_and_bad_shapes():
    pytest.importorskip("matplotlib")
    from sparsefs import plot

    with pytest.raises(ValueError, match="fitted selector"):
        plot.plot_history(SparseFeatureSelector())
    with pytest.raises(ValueError, match="fitted selector"):
        plot.plot_image_importances(SparseFeatureSelector(), (2, 3))
    fitted = small().fit(X, Y)
    with pytest.raises(ValueError, match="top=-1"):
        plot.plot_importances(fitted, top=-1)
    with pytest.raises(ValueError, match="image_shape"):
        plot.plot_image_importances(fitted, (-2, -3))
    with pytest.raises(ValueError, match="1-D"):
        plot.plot_image_importances(np.ones((2, 3)), (2, 3))
    with pytest.raises(ValueError, match="image_shape"):
        plot.plot_image_importances(fitted, (2.5, 2.4))
    plot.plot_image_importances(fitted, (2.0, 3.0))  # whole numbers as floats are fine
    plot.plot_history(pd.DataFrame(fitted.history_))  # so is a history as a DataFrame


def test_membership_of_an_unhashable_name_is_false():
    assert ["classification"] not in TASKS


def test_too_few_rows_for_a_random_split_are_counted_in_rows():
    from sparsefs.splitting import paper_fit_rows, validation_split

    with pytest.raises(ValueError, match=r"^1 row\(s\) are too few to split"):
        paper_fit_rows(None, 0, 1)
    with pytest.raises(ValueError, match=r"^1 row\(s\) are too few to split"):
        validation_split(1, 0.2, 0)


def test_the_registry_refuses_names_that_could_never_be_chosen():
    from types import SimpleNamespace

    with pytest.raises(ValueError, match="'auto' cannot name a task: it is reserved"):
        TASKS.register(SimpleNamespace(name="auto", label="Auto"))
    with pytest.raises(ValueError, match="no surrounding spaces or commas"):
        TASKS.register(SimpleNamespace(name="a,b", label="AB"))
    assert "auto" not in TASKS and "a,b" not in TASKS


@pytest.mark.parametrize("y, message", [
    (X[:, 0].astype(complex), "complex"),
    (X[:, 0] * 1e300, "overflows"),
])
def test_regression_targets_that_cannot_be_learnt_are_refused(y, message):
    with pytest.raises(ValueError, match=message):
        small(task="regression").fit(X, y)


def test_r2_of_a_single_test_row_is_refused():
    from sparsefs.evaluation import svr_scores

    with pytest.raises(ValueError, match="R² needs at least 2 test rows, got 1"):
        svr_scores(X[:50], X[:50, 0], X[50:51], X[50:51, 0], [0, 1])


def test_one_split_for_select_and_evaluate_on_whole_numbers_read_as_classes(tmp_path, monkeypatch):
    # An integer column with rare values: stratifying by it is impossible, so every task that can
    # run on it (not classification) uses one random split, and evaluate never tests on fit rows.
    from sparsefs.datasets import load
    from sparsefs.splitting import dataset_fit_rows

    path = tmp_path / "ages.csv"
    ages = RNG.randint(18, 90, size=60)
    pd.DataFrame(X, columns=list("abcdef")).assign(age=ages).to_csv(path, index=False)
    dataset = load(str(path), target="age")
    assert dataset.task == "classification"  # whole numbers read as labels
    unsupervised = dataset_fit_rows(dataset, 0, "unsupervised")
    regression = dataset_fit_rows(dataset, 0, "regression")
    assert all(np.array_equal(a, b) for a, b in zip(unsupervised, regression))
    assert not set(unsupervised[0]) & set(regression[1])
    for task in ("unsupervised", "regression"):
        assert main(["select", str(path), "--target", "age", "--task", task, "-k", "2", "--max-epochs", "1",
                     "--hidden-layer-sizes", "8", "--out", str(tmp_path / f"{task}.csv"), "--quiet"]) == 0


def test_a_split_error_other_than_too_few_rows_keeps_its_message():
    from sparsefs.splitting import paper_fit_rows

    with pytest.raises(ValueError) as caught:
        paper_fit_rows(None, -1, 50)
    assert "too few" not in str(caught.value)


def test_workers_take_the_parent_s_version_of_a_replaced_part():
    from sparsefs.network.dst import SET
    from sparsefs.registry import TRAINING_METHODS, call_with_parts

    class Older(SET):
        name, label = "versioned", "V1"

    class Newer(SET):
        name, label = "versioned", "V2"

    TRAINING_METHODS.register(Older())
    try:  # a reused worker that holds the older version gets the one the parent sends
        label = call_with_parts({"training_methods": (Newer(),)}, lambda: TRAINING_METHODS["versioned"].label)
        assert label == "V2"
    finally:
        TRAINING_METHODS.unregister("versioned")


def test_a_regression_study_of_whole_numbers_regresses_on_their_values(tmp_path, monkeypatch):
    from sparsefs.study import open_store, run_study

    monkeypatch.chdir(tmp_path)
    pd.DataFrame(X, columns=list("abcdef")).assign(count=(np.abs(X[:, 1]) * 50).astype(int)).to_csv(
        "counts.csv", index=False)
    config = parse_config({
        "study": {"store": "s.sqlite", "datasets": ["counts.csv"], "seeds": 1, "k": [2], "task": "regression"},
        "datasets": {"counts.csv": {"target": "count"}},
        "network": {"training": ["set"], "importance": ["attribution"], "sparsity": [0.5],
                    "hidden_layer_sizes": [8], "max_epochs": 2},
        "baselines": {"lasso": {}},
    })
    assert run_study(config).failed == 0
    with open_store("s.sqlite", read_only=True) as store:
        assert set(store.query("SELECT DISTINCT measure FROM scores").measure) == {"r2", "rmse"}


def test_a_baseline_can_be_told_to_regress_on_whole_numbers():
    from sparsefs.baselines import LassoSelector

    counts = (np.abs(X[:, 1]) * 50).astype(int)  # rare values: read as classes, they cannot be split
    with pytest.raises(ValueError, match="sample"):
        LassoSelector(2, random_state=0).fit(X, counts)
    assert LassoSelector(2, task="regression", random_state=0).fit(X, counts).get_support().sum() == 2
    with pytest.raises(ValueError, match="task"):
        LassoSelector(2, task="unsupervised").fit(X, counts)


def test_a_part_without_its_kind_s_interface_is_refused_when_registered():
    from types import SimpleNamespace

    from sparsefs.registry import BASELINES, METRICS, TRAINING_METHODS

    for registry in (TASKS, TRAINING_METHODS, METRICS, BASELINES):
        with pytest.raises(TypeError, match=f"the {registry.kind} 'junk' is not a .*: derive it from the .*base class"):
            registry.register(SimpleNamespace(name="junk", label="Junk"))
        assert "junk" not in registry
