"""preset: the paper's settings unchanged, the recommended ones applied, explicit parameters winning."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from sparsefs import SparseFeatureSelector
from sparsefs.selector.presets import PAPER, PRESET_PARAMETERS, PRESETS, preset_params, resolve_settings
from sparsefs.study import ConfigError, open_store, parse_config, results_table, run_study
from sparsefs.report.text import format_table
from sparsefs.study.config import ConfigError

from ._helpers import SHARED_DATASETS, load_mat, needs_data

# Short runs on a real dataset (colon: 62 rows x 2000 features, two classes).
FAST = {"max_epochs": 4, "patience": 2}


@pytest.fixture(scope="module")
def colon():
    X, y = load_mat("colon.mat")
    return X[:, :300], y


def test_a_preset_s_parameters_default_to_none_and_the_others_to_the_paper():
    defaults = {name: p.default for name, p in inspect.signature(SparseFeatureSelector).parameters.items()}
    assert all(defaults[name] is None for name in PRESET_PARAMETERS)
    assert {name: defaults[name] for name in PAPER if name not in PRESET_PARAMETERS} == {
        name: value for name, value in PAPER.items() if name not in PRESET_PARAMETERS}
    assert resolve_settings("paper", defaults) == {name: PAPER[name] for name in PRESET_PARAMETERS}
    assert defaults["preset"] == "paper"


def test_every_preset_names_known_parameters_with_valid_values():
    for name, settings in PRESETS.items():
        assert set(settings) <= set(PRESET_PARAMETERS), name
        SparseFeatureSelector(**settings)._validate_params()
    assert PRESETS["recommended"], "the recommended preset changes something"


def test_unknown_preset_is_refused_by_name(colon):
    X, y = colon
    with pytest.raises(ValueError, match="'preset' parameter"):
        SparseFeatureSelector(5, preset="fast").fit(X, y)
    with pytest.raises(ValueError, match="preset must be one of"):
        preset_params("fast", PAPER)


def test_paper_preset_is_bit_identical_to_explicit_paper_settings(colon):
    X, y = colon
    implicit = SparseFeatureSelector(20, random_state=3, **FAST).fit(X, y)
    named = SparseFeatureSelector(20, random_state=3, preset="paper", **FAST).fit(X, y)
    explicit = SparseFeatureSelector(20, random_state=3, **{**PAPER, **FAST}).fit(X, y)
    for other in (named, explicit):
        np.testing.assert_array_equal(other.feature_importances_, implicit.feature_importances_)
        assert other.history_ == implicit.history_
    assert implicit.preset_params_ == {}


def test_recommended_preset_is_its_settings_written_out(colon):
    X, y = colon
    fast = {key: value for key, value in FAST.items() if key not in PRESETS["recommended"]}
    preset = SparseFeatureSelector(20, random_state=1, preset="recommended", **fast).fit(X, y)
    written = SparseFeatureSelector(20, random_state=1, **{**PRESETS["recommended"], **fast}).fit(X, y)
    paper = SparseFeatureSelector(20, random_state=1, **fast).fit(X, y)
    assert preset.preset_params_ == PRESETS["recommended"]
    np.testing.assert_array_equal(preset.feature_importances_, written.feature_importances_)
    assert not np.array_equal(preset.feature_importances_, paper.feature_importances_)


def test_explicit_parameters_win_over_the_preset(colon):
    X, y = colon
    recommended = PRESETS["recommended"]
    own = {"l2": 0.02, "hidden_layer_sizes": (7,), "batch_size": 5, "max_epochs": 3}
    selector = SparseFeatureSelector(20, random_state=0, preset="recommended", **own).fit(X, y)
    assert not set(own) & set(selector.preset_params_)
    assert selector.preset_params_ == {key: value for key, value in recommended.items() if key not in own}
    assert selector.layer_densities_ and len(selector.layer_densities_) == 2  # one hidden layer of 7
    assert selector.get_params()["l2"] == 0.02  # fit never rewrites a parameter


def test_an_explicit_value_equal_to_the_default_wins_over_the_preset(colon):
    # issue 23, item 1: 0.2 and 1e-4 are the paper's values, given here: the preset must not replace them
    X, y = colon
    given = {"validation_fraction": 0.2, "l2": 1e-4}
    explicit = SparseFeatureSelector(20, random_state=1, preset="recommended", **given, **FAST).fit(X, y)
    assert not set(given) & set(explicit.preset_params_)
    assert np.isfinite(explicit.history_["val_loss"]).all()  # validation rows: the 0.2 was used
    others = {key: value for key, value in PRESETS["recommended"].items() if key not in given}
    written = SparseFeatureSelector(20, random_state=1, **others, **given, **FAST).fit(X, y)
    np.testing.assert_array_equal(explicit.feature_importances_, written.feature_importances_)


def test_a_study_s_settings_win_over_the_preset(tmp_path):
    # issue 23, item 1: the study fixes the validation rows and searches L2; the preset sets neither
    config = parse_config({
        "study": {"store": str(tmp_path / "p.sqlite"), "datasets": ["synthetic-100"], "seeds": 1, "k": [10]},
        "network": {"training": ["set"], "sparsity": [0.9], "l2": [1e-4, 1e-3], "importance": ["attribution"],
                    "preset": "recommended", "max_epochs": 3},
    })
    assert run_study(config).failed == 0
    with open_store(tmp_path / "p.sqlite") as store:
        cells = store.query("SELECT cell_id, l2, val_loss FROM cells ORDER BY l2")
        first, second = (store.importances(cell)["attribution"]["all_epochs"] for cell in cells.cell_id)
        table = results_table(store, k=10)
    assert cells.val_loss.notna().all()
    assert not np.array_equal(first, second)  # each cell trained with its own L2
    assert "chosen by validation loss" in format_table(table, 10, "all_epochs").splitlines()[0]


def test_a_study_may_train_every_fit_row_as_the_recommended_preset_does(tmp_path):
    # [network] validation_fraction = 0: the recommended preset as users run it (no validation
    # rows, every epoch); no table then claims a choice by validation loss
    config = parse_config({
        "study": {"store": str(tmp_path / "p.sqlite"), "datasets": ["synthetic-100"], "seeds": 1, "k": [10]},
        "network": {"training": ["set"], "sparsity": [0.9], "importance": ["attribution"],
                    "preset": "recommended", "validation_fraction": 0, "max_epochs": 3},
    })
    assert run_study(config).failed == 0
    with open_store(tmp_path / "p.sqlite") as store:
        cells = store.query("SELECT val_loss, n_epochs, best_epoch FROM cells")
        table = results_table(store, k=10)
    assert cells.val_loss.isna().all() and (cells.n_epochs == 3).all() and (cells.best_epoch == 3).all()
    assert "chosen by validation loss" not in format_table(table, 10, "all_epochs").splitlines()[0]
    with pytest.raises(ConfigError, match="validation_fraction"):  # a baseline's validation rows stay the study's
        parse_config({"study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
                      "baselines": {"lasso": {"validation_fraction": 0}}})


def test_a_study_s_l2_defaults_to_the_preset_s():
    document = {"study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
                "network": {"training": ["set"], "sparsity": [0.9]}}
    assert parse_config(document).network.l2 == (PAPER["l2"],)
    document["network"]["preset"] = "recommended"
    assert parse_config(document).network.l2 == (PRESETS["recommended"]["l2"],)


def test_a_study_can_run_the_recommended_preset_and_refuses_an_unknown_one():
    document = {
        "study": {"store": "s.sqlite", "datasets": ["synthetic-100"], "seeds": 1},
        "network": {"training": ["set"], "sparsity": [0.9], "preset": "recommended"},
    }
    assert parse_config(document).network.params["preset"] == "recommended"
    document["network"]["preset"] = "best"
    with pytest.raises(ConfigError, match="preset"):
        parse_config(document)


@needs_data("colon.mat")
def test_a_study_with_the_recommended_preset_reports_it_beside_lasso(tmp_path):
    config = parse_config({
        "study": {"store": str(tmp_path / "q.sqlite"), "datasets": ["colon"], "seeds": 1, "k": [10],
                  "data_home": str(SHARED_DATASETS), "windows": ["best_epoch"]},
        "network": {"training": ["set"], "sparsity": [0.9], "importance": ["attribution"], "preset": "recommended",
                    "max_epochs": 3, "hidden_layer_sizes": [16]},
        "baselines": {"lasso": {}},
    })
    run_study(config)
    with open_store(tmp_path / "q.sqlite") as store:
        table = results_table(store, k=10, window="best_epoch")
    assert set(table["method"]) == {"SET-Attr", "Lasso"}
    assert table["acc_mean"].notna().all() and table["val_loss"].notna().all()


def test_the_presets_keep_their_documented_import_path():
    import sparsefs.presets
    import sparsefs.selector.presets
    from sparsefs.presets import PRESETS as old

    assert sparsefs.presets is sparsefs.selector.presets and old is PRESETS
