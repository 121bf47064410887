

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
    document = {"study": {"store": "s.sqlite", "seeds": [0], "k": [2], **study}, "network": {**NETWORK, **network},
                "datasets": {name: {"target": "y"} for name in study["datasets"] if name.endswith(".csv")}}
    with pytest.raises(ConfigError, match=message):
        plan_study(parse_config(document), None)


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
    assert small(n_repeats=2, n_jobs=-1, max_epochs=1, sparsity=0.5).fit(X, Y).n_features_to_select_ == 2
