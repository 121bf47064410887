"""Study configurations: parsing, defaults, the grid of cells, and one-line errors for mistakes."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from sparsefs.study import ConfigError, expand_cells, load_config, parse_config
from sparsefs.study.cells import Cell

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

MINIMAL = """
[study]
store = "out.sqlite"
datasets = ["colon"]
seeds = [0]
"""


def write(tmp_path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


class TestParsing:
    def test_defaults_and_the_grid(self, tmp_path):
        config = load_config(write(tmp_path, MINIMAL + """
            [network]
            training = ["dense", "set", "rigl"]
            sparsity = [0.5, 0.9]
            l2 = [1e-4, 1e-3]
            max_epochs = 20
            hidden_layer_sizes = [64, 8]
            [baselines.lasso.grid]
            C = [0.1, 1.0]
            [baselines.stg]
            max_epochs = 5
        """))
        assert config.ks == (25, 50, 75, 100, 200)
        assert config.windows == ("all_epochs", "best_epoch", "last_iteration")
        assert config.network.metrics == ("attribution", "strength")
        assert config.network.params == {"max_epochs": 20, "hidden_layer_sizes": [64, 8]}
        cells = expand_cells(config)
        # dense: one run per L2 (sparsity is meaningless), set/rigl: 2 x 2 each; lasso: 2; stg: 1.
        assert len(cells) == 2 + 4 + 4 + 2 + 1
        dense = [cell for cell in cells if cell.method == "dense"]
        assert {cell.params["sparsity"] for cell in dense} == {0.0}
        assert {cell.params["C"] for cell in cells if cell.method == "lasso"} == {0.1, 1.0}
        assert [cell.metrics for cell in cells if cell.method == "stg"] == [("gate_mean",)]

    def test_seeds_as_a_count_and_cells_seed_by_seed(self, tmp_path):
        config = load_config(write(tmp_path, MINIMAL.replace("seeds = [0]", "seeds = 3") + """
            [baselines.lasso]
        """))
        assert config.seeds == (0, 1, 2)
        assert [cell.seed for cell in expand_cells(config)] == [0, 1, 2]

    def test_registry_names_are_canonical(self, tmp_path):
        config = load_config(write(tmp_path, MINIMAL.replace('["colon"]', '["coil20", "Lymphoma"]') + "[baselines.lasso]\n"))
        assert config.datasets == ("COIL20", "lymphoma")

    def test_yaml_reads_like_toml(self, tmp_path):
        toml = load_config(write(tmp_path, MINIMAL + "[baselines.lasso.grid]\nC = [0.5]\n"))
        yaml = load_config(write(tmp_path, """
            study: {store: out.sqlite, datasets: [colon], seeds: [0]}
            baselines: {lasso: {grid: {C: [0.5]}}}
        """, "study.yaml"))
        assert [c.cell_id for c in expand_cells(yaml)] == [c.cell_id for c in expand_cells(toml)]

    @pytest.mark.parametrize("name", ["quick.toml", "paper.toml"])
    def test_shipped_configurations_are_valid(self, name):
        config = load_config(CONFIGS / name)
        assert config.network is not None and {b.name for b in config.baselines} == {"lasso", "lassonet", "stg"}
        assert config.ks == (25, 50, 75, 100, 200)

    def test_the_paper_configuration_is_the_full_protocol(self):
        config = load_config(CONFIGS / "paper.toml")
        assert len(config.datasets) == 18 and config.seeds == tuple(range(10))
        assert config.network.sparsity == (0.25, 0.5, 0.8, 0.9, 0.95, 0.98)
        assert config.network.l2 == (5e-5, 1e-4, 1e-3)
        assert config.network.training == ("dense", "set", "rigl")


class TestCellIds:
    def test_the_id_hashes_the_configuration_and_nothing_else(self):
        cell = Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, 0, ("attribution", "strength"))
        reordered = Cell("colon", "set", {"l2": 0.0001, "sparsity": 0.9}, 0, ("attribution", "strength"))
        assert cell.cell_id == reordered.cell_id
        # Pinned: changing how ids are computed would orphan every stored result.
        canonical = '{"dataset":"colon","method":"set","metrics":["attribution","strength"],' \
                    '"params":{"l2":0.0001,"sparsity":0.9},"seed":0}'
        assert cell.cell_id == hashlib.sha256(canonical.encode()).hexdigest()[:20] == "2390295d27a220fa2bda"
        others = [
            Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, 1, ("attribution", "strength")),
            Cell("colon", "rigl", {"sparsity": 0.9, "l2": 1e-4}, 0, ("attribution", "strength")),
            Cell("colon", "set", {"sparsity": 0.8, "l2": 1e-4}, 0, ("attribution", "strength")),
            Cell("lymphoma", "set", {"sparsity": 0.9, "l2": 1e-4}, 0, ("attribution", "strength")),
            Cell("colon", "set", {"sparsity": 0.9, "l2": 1e-4}, 0, ("attribution",)),
        ]
        assert len({cell.cell_id, *(other.cell_id for other in others)}) == 1 + len(others)

    def test_k_and_windows_do_not_change_the_cells(self, tmp_path):
        base = MINIMAL + "[baselines.lasso]\n"
        a = load_config(write(tmp_path, base))
        b = load_config(write(tmp_path, base.replace("seeds = [0]", 'seeds = [0]\nk = [10]\nwindows = ["best_epoch"]')))
        assert [c.cell_id for c in expand_cells(a)] == [c.cell_id for c in expand_cells(b)]


BAD = [
    ("[study]\nstore='x'\ndatasets=['colon']\nseed=[0]\n", "[study]: unknown key 'seed' (did you mean 'seeds'?)"),
    ("[study]\nstore='x'\ndatasets=['colon']\n", "[study]: missing required key 'seeds'"),
    (MINIMAL, "nothing to run"),
    (MINIMAL.replace('"colon"', '"colonx"') + "[baselines.lasso]\n", "'colonx' is neither a registered dataset"),
    (MINIMAL.replace("[0]", "[0, 0]") + "[baselines.lasso]\n", "[study] seeds: lists a value twice"),
    (MINIMAL.replace("[0]", "[-1]") + "[baselines.lasso]\n", "[study] seeds: must be a count or a list"),
    (MINIMAL + "k = [0]\n[baselines.lasso]\n", "[study] k: must be positive integers"),
    (MINIMAL + "windows = ['final']\n[baselines.lasso]\n", "[study] windows: unknown value 'final'"),
    (MINIMAL + "[network]\nsparsity=[0.5]\n", "[network]: missing required key 'training'"),
    (MINIMAL + "[network]\ntraining=['set']\n", "missing required key 'sparsity' (needed by set)"),
    (MINIMAL + "[network]\ntraining=['sgd']\n", "[network] training: unknown value 'sgd'"),
    (MINIMAL + "[network]\ntraining=['set']\nsparsity=[1.0]\n", "[network] sparsity: 1.0 is not a sparsity in [0, 1)"),
    (MINIMAL + "[network]\ntraining=['set']\nsparsity=[0.5]\nl2=[-1]\n", "[network] l2: -1 is not a non-negative"),
    (MINIMAL + "[network]\ntraining=['dense']\nlearning_rate=0\n", "'learning_rate' parameter of SparseFeatureSelector"),
    (MINIMAL + "[network]\ntraining=['dense']\nrandom_state=1\n", "'random_state' cannot be configured: every cell"),
    (MINIMAL + "[network]\ntraining=['dense']\nepochs=1\n", "unknown key 'epochs'"),
    (MINIMAL + "[baselines.lassso]\n", "[baselines.lassso]: unknown baseline (did you mean 'lasso'?)"),
    (MINIMAL + "[baselines.lasso]\nC=[0.1, 1]\n", "list them under [baselines.lasso.grid]"),
    (MINIMAL + "[baselines.lasso.grid]\nC=[]\n", "[baselines.lasso.grid] C: must not be empty"),
    (MINIMAL + "[baselines.lasso]\nC=1\n[baselines.lasso.grid]\nC=[2]\n", "'C' is both fixed and in the grid"),
    (MINIMAL + "[baselines.stg]\nn_features_to_select=5\n", "'n_features_to_select' cannot be configured"),
    ("[study\n", "not valid TOML"),
    # Mistakes that would otherwise pass --dry-run and fail every cell, or count cells twice:
    (MINIMAL.replace('["colon"]', '["colon", "COLON"]') + "[baselines.lasso]\n",
     "[study] datasets: 'colon' and 'COLON' name the same dataset; list it once"),
    (MINIMAL + "[network]\ntraining=['dense']\nhidden_layer_sizes=[0]\n",
     "[network]: hidden_layer_sizes must be positive integers, got [0]"),
    (MINIMAL + "[network]\ntraining=['dense']\ndevice='bogus'\n", "[network]: device='bogus' is not a torch device"),
    (MINIMAL + "[network]\ntraining=['dense']\ndevice='meta'\n", "[network]: device='meta' holds shapes without data"),
    (MINIMAL + "[baselines.stg]\nhidden_dims=[100, 0]\n", "[baselines.stg]: hidden_dims must be positive integers"),
    (MINIMAL + "[baselines.lassonet]\ndevice='bogus'\n", "[baselines.lassonet]: device='bogus' is not a torch device"),
    (MINIMAL + "[baselines.lasso]\n[datasets.colon]\ntarget='y'\n",
     '[datasets."colon"]: a registered or synthetic dataset carries its own labels'),
]


@pytest.mark.parametrize("text, message", BAD, ids=[message[:40] for _, message in BAD])
def test_mistakes_are_one_clear_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(path))
    assert "\n" not in str(raised.value)


def test_missing_file_and_non_table_document(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        load_config(tmp_path)
    (tmp_path / "binary.toml").write_bytes(b"\x00\xff\xfe" + bytes(range(256)))
    with pytest.raises(ConfigError, match=r"binary.toml: not a text file \(UTF-8\)") as raised:
        load_config(tmp_path / "binary.toml")
    assert str(raised.value).startswith(str(tmp_path / "binary.toml"))
    with pytest.raises(ConfigError, match="expected tables"):
        load_config(write(tmp_path, "- just a list\n", "study.yaml"))
    with pytest.raises(ConfigError, match=r"\[study\]: must be a table"):
        parse_config({"study": 3})


class TestDataFiles:
    """A data file in a study: its label column named in a [datasets."FILE"] table."""

    @pytest.fixture
    def csv(self, tmp_path, monkeypatch):
        monkeypatch.chdir(tmp_path)  # data files are found relative to the working folder
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "patients.csv").write_text("g1,g2,diagnosis\n1,2,sick\n3,4,well\n")
        return "data/patients.csv"

    def test_the_target_is_part_of_the_cells(self, tmp_path, csv):
        config = load_config(write(tmp_path, MINIMAL.replace('["colon"]', f'["colon", "{csv}"]') + f"""
            [baselines.lasso]
            [datasets."{csv}"]
            target = "diagnosis"
        """))
        assert config.datasets == ("colon", csv) and config.targets == {csv: "diagnosis"}
        colon, patients = expand_cells(config)
        assert colon.target is None and "target" not in colon.configuration()  # registry cells keep their ids
        assert patients.target == "diagnosis" and patients.configuration()["target"] == "diagnosis"
        assert patients.cell_id != Cell(csv, "lasso", {}, 0, patients.metrics).cell_id

    def test_yaml_names_the_target_the_same_way(self, tmp_path, csv):
        config = load_config(write(tmp_path, f"""
            study: {{store: out.sqlite, datasets: ["{csv}"], seeds: [0]}}
            datasets: {{"{csv}": {{target: diagnosis}}}}
            baselines: {{lasso: {{}}}}
        """, "study.yaml"))
        assert config.targets == {csv: "diagnosis"}

    @pytest.mark.parametrize("extra, message", [
        ("", '[study] datasets: \'data/patients.csv\' needs its label column: add [datasets."data/patients.csv"] '
             'with target = "COLUMN"'),
        ('[datasets."data/other.csv"]\ntarget = "x"\n', "data/other.csv\"]: names no dataset of [study] datasets"),
        ('[datasets."data/patients.csv"]\ntarget = 3\n', "target: must be a non-empty string, got 3"),
        ('[datasets."data/patients.csv"]\nlabel = "x"\n', "unknown key 'label'"),
        ('[datasets]\n"data/patients.csv" = "diagnosis"\n', "must be a table (such as target = \"COLUMN\")"),
    ])
    def test_mistakes(self, tmp_path, csv, extra, message):
        path = write(tmp_path, MINIMAL.replace('["colon"]', f'["{csv}"]') + "[baselines.lasso]\n" + extra)
        with pytest.raises(ConfigError) as raised:
            load_config(path)
        assert message in str(raised.value) and "\n" not in str(raised.value)

    def test_arrays_files_need_no_target(self, tmp_path, monkeypatch):
        import numpy as np

        monkeypatch.chdir(tmp_path)
        np.savez(tmp_path / "d.npz", X=np.ones((4, 2)), y=np.arange(4) % 2)
        config = load_config(write(tmp_path, MINIMAL.replace('["colon"]', '["d.npz"]') + "[baselines.lasso]\n"))
        assert config.targets == {} and expand_cells(config)[0].target is None
