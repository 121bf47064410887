"""Issue 23, the second reliability pass: no silent wrong result, no traceback from deep inside,
no confusing message on the surfaces added last (K "auto", kept networks, tasks, data files,
plugins, studies). Each test failed before its fix; the mistakes that reach the command line
are also probes of tests/test_reliability.py."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.io
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin

from sparsefs import SparseFeatureSelector
from sparsefs.baselines import VarianceSelector
from sparsefs.cli import main
from sparsefs.datasets import DatasetError, load
from sparsefs.evaluation import reconstruction_error
from sparsefs.network.dst import SET
from sparsefs.registry import BASELINES, TASKS, TRAINING_METHODS
from sparsefs.study import ConfigError, open_store, parse_config, plan_study, results_table, run_study
from sparsefs.study.store import StoreError

RNG = np.random.RandomState(0)
X = RNG.normal(size=(60, 6))
Y = np.repeat([0, 1], 30)


def small(k=2, **params):
    return SparseFeatureSelector(k, **{"hidden_layer_sizes": (8,), "max_epochs": 2, "random_state": 0, **params})


class Epochs:
    """An ``on_epoch_end`` that counts the epochs trained."""

    def __init__(self):
        self.count = 0

    def __call__(self, record):
        self.count += 1


# -- 2, 13: "auto" never chooses K by NaN, and its folds are checked before training ----------------------------

def test_auto_refuses_folds_on_which_r2_is_undefined_before_training():
    X_small, epochs = X[:8], Epochs()
    y = X_small[:, 0] + 0.1 * np.random.RandomState(1).normal(size=8)
    with pytest.raises(ValueError, match=r"R² needs 2\): pass a smaller cv \(at most 4 here\)"):
        small("auto", validation_fraction=0.25).fit(X_small, y, on_epoch_end=epochs)
    assert epochs.count == 0
    selector = small("auto", validation_fraction=0.25, cv=4, sparsity=0.5).fit(X_small, y)
    assert all(np.isfinite(score) for score in selector.k_scores_.values())


class NaNScore(ClassifierMixin, BaseEstimator):
    """A downstream estimator whose score is undefined."""

    def fit(self, X, y):
        return self

    def score(self, X, y):
        return float("nan")


def test_auto_never_chooses_k_by_a_nan_score():
    with pytest.raises(ValueError, match="not a number, so no K can be chosen"):
        small("auto", estimator=NaNScore(), cv=3).fit(X, Y)


def test_auto_checks_stratified_folds_before_training_and_names_the_label():
    labels = np.repeat(["bird", "cat", "dog", "eel"], 3)
    epochs = Epochs()
    with pytest.raises(ValueError, match=r"cannot cross-validate with cv=5: .*'bird', has 3 rows\); pass a smaller cv"):
        small("auto", max_epochs=50).fit(X[:12], labels, on_epoch_end=epochs)
    assert epochs.count == 0


# -- 4: repeated column names are refused, never renamed into features ----------------------------------------

def test_repeated_csv_column_names_are_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("f1,f2,label,label\n" + "".join(f"{i},{i * 2},{i % 2},{i % 2}\n" for i in range(6)))
    with pytest.raises(DatasetError, match=r"dup.csv: the column name\(s\) 'label' appear more than once"):
        load(path, target="label")
    # a column that only looks like pandas' renaming of a repeat is a column of its own
    path.write_text("f1,label.1,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(6)))
    assert list(load(path, target="label").feature_names) == ["f1", "label.1"]


# -- 5: a ranking that carries no information is refused, a selection decided by ties is flagged ---------------

def test_a_network_too_sparse_to_connect_any_input_is_refused():
    with pytest.raises(ValueError, match="importance .* is 0: no input reached the outputs .* too sparse"):
        small(sparsity=0.9, max_epochs=3).fit(X[:, :5], Y)


@pytest.mark.parametrize("estimator", [small(), VarianceSelector(2)], ids=["network", "baseline"])
def test_constant_features_are_not_ranked(estimator):
    with pytest.raises(ValueError, match="every feature of X is constant"):
        estimator.fit(np.ones((60, 4)), Y)


def test_a_selection_cut_through_tied_importances_is_flagged():
    data = np.c_[X[:, :3], np.ones((60, 3))]  # three constant features: importance 0, tied
    with pytest.warns(UserWarning, match=r"top 4 features end among 3 tied at importance 0: 1 of them is selected by "
                                         r"column order"):
        selector = small(4, sparsity=0.5).fit(data, Y)
    assert selector.get_support().tolist() == [True, True, True, True, False, False]


def test_the_cli_shows_a_warning_in_one_line(tmp_path, capsys):
    path = tmp_path / "part.csv"
    pd.DataFrame(np.c_[X[:, :3], np.ones((60, 3))], columns=list("abcdef")).assign(label=Y).to_csv(path, index=False)
    assert main(["select", str(path), "--target", "label", "-k", "4", "--max-epochs", "2", "--hidden-layer-sizes", "8",
                 "--sparsity", "0.5", "--quiet", "--out", str(tmp_path / "r.csv")]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparsefs select: warning: the top 4 features end among 3 tied")


def test_reconstruction_leaves_constant_columns_out():
    with pytest.raises(ValueError, match="every feature is constant in the training rows"):
        reconstruction_error(np.ones((40, 3)), np.ones((10, 3)), [0])
    with_constant = np.c_[X, np.full(60, 3.0)]
    assert reconstruction_error(with_constant[:40], with_constant[40:], [0, 1]) == pytest.approx(
        reconstruction_error(X[:40], X[40:], [0, 1]))


# -- 6, 10: a kept network, whatever the training, backend and validation; it predicts sparse rows too -------

@pytest.mark.parametrize("training, backend", [("set", "masked"), ("rigl", "masked"), ("dense", "masked"),
                                               ("set", "sparse"), ("rigl", "sparse")])
@pytest.mark.parametrize("validation_fraction", [0.0, 0.2])
def test_keep_network_with_every_training_backend_and_validation(training, backend, validation_fraction):
    selector = small(training=training, backend=backend, sparsity=0.5, validation_fraction=validation_fraction,
                     keep_network=True).fit(X, Y)
    predicted = selector.network_.predict(X)
    assert predicted.shape == (60,)
    copied = pickle.loads(pickle.dumps(selector))  # the kept network pickles with the selector
    assert (copied.network_.predict(X) == predicted).all()
    # a network fitted on dense rows predicts scipy sparse rows: they are centred as the dense ones were
    assert (selector.network_.predict(sp.csr_matrix(X)) == predicted).all()
    assert selector.network_.score(sp.csr_matrix(X), Y) == selector.network_.score(X, Y)


# -- 7: a validation loss made large by the data is not divergence ----------------------------------------------

@pytest.mark.parametrize("task, seeds", [("unsupervised", [4, 9, 12, 18]), ("regression", [11])])
def test_an_outlier_among_the_validation_rows_is_not_divergence(task, seeds):
    # each seed holds the outlier out for validation; before the fix every one failed as "training diverged"
    rng = np.random.RandomState(0)
    features = rng.normal(size=(60, 6))  # X
    target = 2 + 0.3 * features[:, 0] + 0.1 * rng.normal(size=60)
    features[7, 2] = 300.0
    target[5] = 50.0
    for seed in seeds:
        if task == "unsupervised":
            small(sparsity=0.5, max_epochs=5, random_state=seed).fit(features)
        else:
            small(sparsity=0.5, max_epochs=5, random_state=seed).fit(X, target)


# -- 8: the memory limit counts what a sparse shape costs, not only the file's arrays ---------------------------

def test_sparse_shapes_count_against_the_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARSEFS_MAX_ARRAY_BYTES", "10MB")  # units are read too
    tall = tmp_path / "tall.mat"
    scipy.io.savemat(tall, {"X": sp.csc_matrix((20_000_000, 2))}, do_compression=True)  # 183 bytes
    with pytest.raises(DatasetError, match=r"tall.mat \(its arrays as declared\) would take 160.0 MB of memory, more "
                                           r"than the limit of 10.0 MB"):
        load(tall)
    wide = tmp_path / "wide.svm"
    wide.write_text("1 300000000:1\n0 1:1\n")
    with pytest.raises(DatasetError, match=r"wide.svm \(2 x 300000000, sparse\) would take 9.6 GB"):
        load(wide)
    monkeypatch.setenv("SPARSEFS_MAX_ARRAY_BYTES", "10 parsecs")
    with pytest.raises(DatasetError, match="SPARSEFS_MAX_ARRAY_BYTES must be a number of bytes such as 4e9, 10MB"):
        load(wide)


# -- 9, 11: settings that would fail every cell of a study are configuration errors ----------------------------

NETWORK = {"training": ["set"], "sparsity": [0.5], "hidden_layer_sizes": [8], "max_epochs": 2}


@pytest.fixture
def data_files(tmp_path):
    frame = pd.DataFrame(X[:, :4], columns=list("abcd"))
    frame.assign(y=np.where(Y == 0, "cat", "dog")).to_csv(tmp_path / "words.csv", index=False)
    frame.assign(y=X[:, 0] * 1.5 + 0.3).to_csv(tmp_path / "continuous.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("study, network, message", [
    ({"datasets": ["synthetic-100"], "seeds": [2**32]}, {},
     r"\[study\] seeds: 4294967296 is not a seed: seeds go from 0 to 4294967295"),
    ({"datasets": ["words.csv"], "task": "regression"}, {},
     r"\[study\] task: regression needs a numeric target: the target of words holds labels such as 'cat'"),
    ({"datasets": ["continuous.csv"], "task": "classification"}, {},
     r"\[study\] task: 'classification' does not fit continuous, whose target is for regression"),
    ({"datasets": ["continuous.csv"], "task": "unsupervised"}, {}, r"\[study\] task: continuous has a continuous target"),
    ({"datasets": ["friedman-100"]}, {"keep_network": True},
     r"\[network\] on friedman-100: keep_network=True keeps a classifier; it is not available for task='regression'"),
    ({"datasets": ["continuous.csv"]}, {"keep_network": True}, r"\[network\] on continuous: keep_network=True"),
    ({"datasets": ["synthetic-100"]}, {"n_jobs": 0, "n_repeats": 2}, r"\[network\]: The 'n_jobs' parameter"),
], ids=["seed", "regression on words", "classification on numbers", "unsupervised on numbers", "kept regression network",
        "kept network of a file", "no jobs"])
def test_settings_that_fail_every_cell_are_refused_before_any_runs(data_files, monkeypatch, study, network, message):
    monkeypatch.chdir(data_files)
    document = {"study": {"store": "s.sqlite", "seeds": [0], "k": [2], **study}, "network": {**NETWORK, **network}}
    files = {name: {"target": "y"} for name in study["datasets"] if name.endswith(".csv")}
    with pytest.raises(ConfigError, match=message):
        plan_study(parse_config({**document, **({"datasets": files} if files else {})}), None)


def test_a_baseline_of_another_task_is_refused_for_a_data_file(data_files, monkeypatch):
    monkeypatch.chdir(data_files)
    config = parse_config({"study": {"store": "s.sqlite", "datasets": ["continuous.csv"], "seeds": 1, "k": [2]},
                           "baselines": {"variance": {}}, "datasets": {"continuous.csv": {"target": "y"}}})
    with pytest.raises(ConfigError, match=r"\[baselines.variance\] on continuous: Variance selects for unsupervised, "
                                          "not regression"):
        plan_study(config, None)


def test_n_jobs_zero_is_refused_by_the_parameter_checks():
    with pytest.raises(ValueError, match="The 'n_jobs' parameter .* Got 0 instead"):
        small(n_repeats=2, n_jobs=0).fit(X, Y)
    for n_jobs in (None, 1, 2, -1, -2):  # joblib's meanings
        small(n_jobs=n_jobs)._validate_params()


# -- 12: a training method and a baseline never share a name ----------------------------------------------------

def test_a_baseline_cannot_take_a_training_methods_name_nor_the_reverse():
    class Dense(VarianceSelector):
        name, label = "dense", "Dense variance"

    class Lasso(SET):
        name, label = "lasso", "Lasso SET"

    with pytest.raises(ValueError, match="'dense' cannot name a baseline: a training method has that name"):
        BASELINES.register(Dense())
    with pytest.raises(ValueError, match="'lasso' cannot name a training method: a baseline has that name"):
        TRAINING_METHODS.register(Lasso())
    assert type(BASELINES["variance"]) is VarianceSelector and TRAINING_METHODS["dense"].label == "Dense"


def test_a_name_is_refused_even_before_the_other_registry_is_loaded():
    # as a plugin imported first would: the training methods are not loaded when the baseline registers
    code = """
from sparsefs.registry import BASELINES, TASKS, TRAINING_METHODS
assert not TRAINING_METHODS._loaded
from sparsefs.baselines._unsupervised import VarianceSelector  # (a baseline's base class)
class Named(VarianceSelector):
    name, label = "set", "S"
BASELINES.register(Named())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert "ValueError: 'set' cannot name a baseline: a training method has that name" in result.stderr


# -- 14: messages name the user's labels; whole numbers read as classes get the hint to regress ----------------

def test_the_command_line_names_labels_not_class_indices(tmp_path, capsys):
    frame = pd.DataFrame(X[:40, :4], columns=list("abcd"))
    frame.assign(label=["bird"] + ["cat", "dog"] * 19 + ["cat"]).to_csv(tmp_path / "pets.csv", index=False)
    frame.assign(label=np.r_[np.arange(39) % 13, 99]).to_csv(tmp_path / "counts.csv", index=False)
    out = ["--out", str(tmp_path / "r.csv"), "--quiet", "-k", "2", "--max-epochs", "1", "--hidden-layer-sizes", "8"]
    assert main(["select", str(tmp_path / "pets.csv"), "--target", "label", *out]) == 2
    assert "class 'bird' has only 1 sample(s)" in capsys.readouterr().err
    assert main(["select", str(tmp_path / "counts.csv"), "--target", "label", *out]) == 2
    assert capsys.readouterr().err.strip().endswith("if the target of counts is a count or a measure rather than a "
                                                     "class, pass --task regression")


def test_a_split_by_labels_is_the_split_by_their_indices():
    from sparsefs.datasets import Dataset
    from sparsefs.splitting import dataset_fit_rows, paper_fit_rows

    codes = np.arange(50) % 3
    dataset = Dataset("pets", X[:50], codes, np.array(["cat", "bird", "dog"], dtype=object)[np.argsort([1, 0, 2])])
    for seed in range(3):
        expected = paper_fit_rows(codes, seed)
        assert all((a == b).all() for a, b in zip(dataset_fit_rows(dataset, seed), expected))


# -- 15: a K larger than every dataset's features ---------------------------------------------------------------

def test_a_study_whose_every_k_exceeds_a_datasets_features_is_refused(data_files, monkeypatch):
    monkeypatch.chdir(data_files)
    document = {"study": {"store": "k.sqlite", "datasets": ["continuous.csv"], "seeds": 1, "k": [100, 200]},
                "baselines": {"lasso": {}}, "datasets": {"continuous.csv": {"target": "y"}}}
    with pytest.raises(ConfigError, match=r"\[study\] k: every K \(100, 200\) is larger than the 4 features of "
                                          r"continuous.csv: nothing would be evaluated; add a K of at most 4"):
        plan_study(parse_config(document), None)
    document["study"]["k"] = [2, 100]
    run_study(parse_config(document))
    with open_store("k.sqlite") as store:
        assert len(results_table(store, k=2)) == 1
        with pytest.raises(StoreError, match="K=100 is larger than the features of every dataset in this store "
                                             r"\(at most 4\), so no top 100 was evaluated; it holds K = 2"):
            results_table(store, k=100)
        with pytest.raises(StoreError, match=r"K=3 was not evaluated in this store \(it holds K = 2\); add it"):
            results_table(store, k=3)


# -- 17, 18: a tiny target is not "constant"; bootstrap needs repeats --------------------------------------------

def test_a_target_whose_spread_underflows_is_not_called_constant():
    with pytest.raises(ValueError, match=r"vary too little for float64 arithmetic .* rescale the targets"):
        TASKS["regression"].targets(np.array([1.0, 2.0, 4.0]) * 1e-300, 3)
    with pytest.raises(ValueError, match="are constant"):
        TASKS["regression"].targets(np.full(3, 1e-300), 3)
    small_but_fine = TASKS["regression"].targets(np.array([1.0, 2.0, 4.0]) * 1e-140, 3)
    np.testing.assert_allclose(small_but_fine.scaled(np.arange(3)).ravel(), [-1.069, -0.267, 1.336], atol=1e-3)


def test_bootstrap_needs_repeats():
    with pytest.raises(ValueError, match=r"bootstrap=True resamples the rows of each of several fits: it needs "
                                         r"n_repeats > 1"):
        small(bootstrap=True).fit(X, Y)


# -- 19: no torch notice, no "Broken pipe" -------------------------------------------------------------------

def test_torchs_csr_notice_never_reaches_the_user():
    # A fresh process where every warning is an error: sparse batches are made (data.py alone, as the first
    # CSR tensor of the process) and a sparse network trains; torch's "beta" notice would be a UserWarning.
    code = """
import warnings
import numpy as np, scipy.sparse as sp, torch
from sparsefs.batches import BatchSource
X = sp.random(40, 30, density=0.2, format="csr", random_state=0)
source = BatchSource(X, np.arange(40) % 2, np.zeros(30), np.ones(30), torch.device("cpu"))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # as a study records a cell's warnings
    next(source.batches(8))
    from sparsefs import SparseFeatureSelector
    SparseFeatureSelector(2, hidden_layer_sizes=(8,), sparsity=0.5, backend="sparse", max_epochs=1).fit(X, np.arange(40) % 2)
print([str(w.message) for w in caught if "CSR" in str(w.message)])
"""
    result = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", code], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]" and "beta" not in result.stderr


class ClosedPipe:
    """stdout whose reader has left (``sparsefs results ... | head``)."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass


def test_a_closed_pipe_ends_the_command_quietly(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["datasets"]) == 141  # as a process ended by SIGPIPE
    assert capsys.readouterr().err == ""
