"""The dataset registry, checksums, downloads, the format readers and users' own files."""

from __future__ import annotations

import csv
import functools
import gzip
import hashlib
import http.server
import io
import shutil
import threading
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file

from sparsefs.datasets import (
    PAPER_DATASETS,
    REGISTRY,
    DatasetError,
    DatasetSpec,
    RemoteFile,
    dataset_status,
    get_spec,
    load,
    make_synthetic,
    resolve_data_home,
)

from ._helpers import SHARED_DATASETS, needs_data

# METHOD.md §11 (paper Table 2): samples, features, classes
TABLE_2 = {
    "MNIST": (70000, 784, 10), "USPS": (9298, 256, 10), "Gisette": (7000, 5000, 2), "COIL20": (1440, 1024, 20),
    "ORL": (400, 1024, 40), "Yale": (165, 1024, 15), "BASEHOCK": (1993, 4862, 2), "PCMAC": (1943, 3289, 2),
    "RELATHE": (1427, 4322, 2), "Prostate_GE": (102, 5966, 2), "SMK-CAN-187": (187, 19993, 2),
    "CLL-SUB-111": (111, 11340, 3), "lymphoma": (96, 4026, 9), "Carcinom": (174, 9182, 11), "HAR": (10299, 561, 6),
    "Arcene": (200, 10000, 2), "Isolet": (1560, 617, 26), "Madelon": (2600, 500, 2),
}
PRESENT = [name for name, spec in REGISTRY.items() if dataset_status(spec, SHARED_DATASETS) == "verified"]


class TestRegistry:
    def test_paper_datasets_match_table_2(self):
        assert set(PAPER_DATASETS) == set(TABLE_2)
        for name, shape in TABLE_2.items():
            spec = REGISTRY[name]
            assert (spec.n_samples, spec.n_features, spec.n_classes) == shape
            assert spec.files and all(f.url.startswith("https://") for f in spec.files)

    @needs_data("MANIFEST.csv")
    def test_checksums_agree_with_the_shared_manifest(self):
        with open(SHARED_DATASETS / "MANIFEST.csv") as f:
            manifest = {row["file"]: row["sha256"] for row in csv.DictReader(f)}
        registered = {remote.path: remote.sha256 for spec in REGISTRY.values() for remote in spec.files}
        for file, sha256 in manifest.items():
            path = file if file in registered else Path(file).name
            assert registered[path] == sha256, file

    def test_names_are_case_insensitive_and_accept_paper_short_names(self):
        assert get_spec("smk").name == "SMK-CAN-187"
        assert get_spec("coil20").name == get_spec("Coil20").name == "COIL20"
        with pytest.raises(KeyError):
            get_spec("ImageNet")

    def test_image_shapes_cover_every_pixel(self):
        for spec in REGISTRY.values():
            if spec.image_shape:
                assert spec.image_shape[0] * spec.image_shape[1] == spec.n_features


@pytest.mark.parametrize("name", PRESENT or [pytest.param("Yale", marks=needs_data("Yale.mat"))])  # none: say which
def test_every_present_dataset_loads_verified_with_its_registered_shape(name):
    data = load(name, data_home=SHARED_DATASETS, download=False)
    spec = REGISTRY[name]
    assert data.X.shape == (spec.n_samples, spec.n_features)
    assert data.X.dtype == np.float32
    assert set(np.unique(data.y)) == set(range(spec.n_classes))
    assert len(data.classes) == spec.n_classes


@needs_data("MANIFEST.csv")
def test_at_least_the_expected_shared_datasets_are_present():
    assert {"USPS", "COIL20", "ORL", "Yale", "BASEHOCK", "PCMAC", "RELATHE", "Prostate_GE", "lymphoma",
            "Arcene", "Isolet", "Madelon", "MNIST-10k"} <= set(PRESENT)


@needs_data("USPS.mat")
def test_usps_labels_are_digits_and_images_have_ink():
    data = load("USPS", data_home=SHARED_DATASETS, download=False)
    np.testing.assert_array_equal(data.classes, np.arange(10))
    assert np.bincount(data.y).tolist() == [1553, 1269, 929, 824, 852, 716, 834, 792, 708, 821]


class TestVerification:
    @needs_data("Yale.mat")
    def test_a_corrupted_file_is_refused(self, tmp_path):
        shutil.copy(SHARED_DATASETS / "Yale.mat", tmp_path / "Yale.mat")
        with open(tmp_path / "Yale.mat", "r+b") as f:
            f.seek(500)
            byte = f.read(1)
            f.seek(500)
            f.write(bytes([byte[0] ^ 0xFF]))
        with pytest.raises(DatasetError, match="sha256 .* not the published file"):
            load("Yale", data_home=tmp_path, download=False)
        assert dataset_status(REGISTRY["Yale"], tmp_path) == "mismatch"

    @needs_data("Yale.mat")
    def test_a_file_of_the_wrong_shape_is_refused(self, tmp_path):
        shutil.copy(SHARED_DATASETS / "Yale.mat", tmp_path / "Yale.mat")
        wrong = replace(REGISTRY["Yale"], n_features=1025)
        with pytest.raises(DatasetError, match="165 x 1024 with 15 classes.*expects 165 x 1025.*refusing"):
            load(wrong, data_home=tmp_path, download=False)

    def test_missing_file_without_download_says_where_to_get_it(self, tmp_path):
        with pytest.raises(DatasetError, match="missing and downloading is disabled.*jundongl"):
            load("Yale", data_home=tmp_path, download=False)

    def test_data_home_resolution(self, tmp_path, monkeypatch):
        monkeypatch.setenv("SPARSEFS_DATA", str(tmp_path / "env"))
        assert resolve_data_home(tmp_path / "arg") == tmp_path / "arg"
        assert resolve_data_home() == tmp_path / "env"
        monkeypatch.delenv("SPARSEFS_DATA")
        assert "sparsefs" in str(resolve_data_home())


@pytest.fixture
def http_server(tmp_path):
    """A static file server on 127.0.0.1 serving tmp_path/served."""
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _mat_bytes(X, Y) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"X": X, "Y": Y})
    return buffer.getvalue()


class TestDownload:
    def _spec(self, url, sha256, shape=(30, 12), classes=3):
        return DatasetSpec("Tiny", "test", shape[0], shape[1], classes, (RemoteFile("tiny/Tiny.mat", url, sha256),), "skfeature-mat")

    def test_missing_file_is_downloaded_verified_and_loaded(self, http_server, tmp_path):
        root, base = http_server
        content = _mat_bytes(np.arange(360.0).reshape(30, 12), np.repeat([[1], [2], [3]], 10, axis=0))
        (root / "Tiny.mat").write_bytes(content)
        home = tmp_path / "home"
        spec = self._spec(base + "Tiny.mat", hashlib.sha256(content).hexdigest())
        data = load(spec, data_home=home)
        assert data.X.shape == (30, 12) and (home / "tiny" / "Tiny.mat").is_file()
        assert dataset_status(spec, home) == "verified"

    def test_a_download_with_the_wrong_checksum_is_refused_and_not_kept(self, http_server, tmp_path):
        root, base = http_server
        (root / "Tiny.mat").write_bytes(_mat_bytes(np.ones((30, 12)), np.repeat([[1], [2], [3]], 10, axis=0)))
        home = tmp_path / "home"
        with pytest.raises(DatasetError, match="failed its checksum"):
            load(self._spec(base + "Tiny.mat", "0" * 64), data_home=home)
        assert not (home / "tiny" / "Tiny.mat").exists()

    def test_an_unreachable_address_gives_a_clear_error(self, http_server, tmp_path):
        _, base = http_server
        with pytest.raises(DatasetError, match="could not be downloaded from .*missing.mat"):
            load(self._spec(base + "missing.mat", None), data_home=tmp_path / "home")


class TestReaders:
    def test_skfeature_mat_with_sparse_features(self, tmp_path):
        X = sp.random(40, 25, density=0.1, format="csc", random_state=0)
        (tmp_path / "s.mat").write_bytes(_mat_bytes(X, np.repeat([[1], [2]], 20, axis=0)))
        spec = DatasetSpec("S", "test", 40, 25, 2, (RemoteFile("s.mat", "https://example.invalid/s.mat"),), "skfeature-mat")
        data = load(spec, data_home=tmp_path, download=False)
        assert sp.issparse(data.X) and data.X.shape == (40, 25)
        np.testing.assert_allclose(data.X.toarray(), X.toarray(), rtol=1e-6)

    def test_mnist_idx_files(self, tmp_path):
        rng = np.random.RandomState(0)
        images = rng.randint(0, 256, (12, 28, 28), dtype=np.uint8)
        labels = np.arange(12, dtype=np.uint8) % 10
        _write_idx(tmp_path / "img.gz", images, 2051)
        _write_idx(tmp_path / "lab.gz", labels, 2049)
        files = (RemoteFile("img.gz", "https://example.invalid/a"), RemoteFile("lab.gz", "https://example.invalid/b"))
        data = load(DatasetSpec("M", "test", 12, 784, 10, files, "mnist-idx"), data_home=tmp_path, download=False)
        np.testing.assert_array_equal(data.X.reshape(12, 28, 28), images)
        np.testing.assert_array_equal(data.classes[data.y], labels)

    def test_usps_mat_layout(self, tmp_path):
        train, test = np.random.rand(256, 20), np.random.rand(256, 10)
        labels_train, labels_test = np.arange(20) % 10 + 1, np.arange(10) % 10 + 1
        scipy.io.savemat(tmp_path / "USPS.mat", {"Train_DAT": train, "Test_DAT": test,
                                                 "trainlabels": labels_train[None], "testlabels": labels_test[None]})
        spec = DatasetSpec("U", "test", 30, 256, 10, (RemoteFile("USPS.mat", "https://example.invalid/u"),), "usps-mat")
        data = load(spec, data_home=tmp_path, download=False)
        np.testing.assert_allclose(data.X[:20], train.T, rtol=1e-6)
        np.testing.assert_array_equal(data.classes[data.y][:10], np.r_[1:10, 0])  # label 10 is the digit 0

    @pytest.mark.parametrize("nested", [False, True])
    def test_uci_har_archive(self, tmp_path, nested):
        rng = np.random.RandomState(0)
        X_train, X_test = rng.randn(8, 4), rng.randn(4, 4)
        y_train, y_test = np.array([1, 2, 3, 4, 5, 6, 1, 2]), np.array([3, 4, 5, 6])
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as z:
            text = lambda a: "\n".join(" ".join(f"{v:.8e}" for v in row) for row in np.atleast_2d(a)) + "\n"  # noqa: E731
            z.writestr("UCI HAR Dataset/train/X_train.txt", text(X_train))
            z.writestr("UCI HAR Dataset/test/X_test.txt", text(X_test))
            z.writestr("UCI HAR Dataset/train/y_train.txt", "\n".join(map(str, y_train)) + "\n")
            z.writestr("UCI HAR Dataset/test/y_test.txt", "\n".join(map(str, y_test)) + "\n")
            z.writestr("UCI HAR Dataset/features.txt", "1 tBodyAcc-mean()-X\n2 fBodyAcc-bands\n3 fBodyAcc-bands\n4 angle(X)\n")
        if nested:
            outer = io.BytesIO()
            with zipfile.ZipFile(outer, "w") as z:
                z.writestr("UCI HAR Dataset.zip", inner.getvalue())
            inner = outer
        (tmp_path / "har.zip").write_bytes(inner.getvalue())
        spec = DatasetSpec("H", "test", 12, 4, 6, (RemoteFile("har.zip", "https://example.invalid/h"),), "uci-har-zip")
        data = load(spec, data_home=tmp_path, download=False)
        np.testing.assert_allclose(data.X, np.vstack([X_train, X_test]), rtol=1e-6)
        assert list(data.feature_names) == ["tBodyAcc-mean()-X", "fBodyAcc-bands", "fBodyAcc-bands#2", "angle(X)"]


def _write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


class TestUserFiles:
    @pytest.fixture
    def frame(self):
        rng = np.random.RandomState(0)
        frame = pd.DataFrame(rng.randn(30, 4), columns=["g1", "g2", "g3", "g4"])
        frame["tissue"] = np.repeat(["liver", "lung", "skin"], 10)
        return frame

    def test_csv_tsv_and_parquet_with_target(self, frame, tmp_path):
        frame.to_csv(tmp_path / "d.csv", index=False)
        frame.to_csv(tmp_path / "d.tsv", index=False, sep="\t")
        frame.to_parquet(tmp_path / "d.parquet")
        for name in ("d.csv", "d.tsv", "d.parquet"):
            data = load(tmp_path / name, target="tissue")
            assert data.X.shape == (30, 4)
            assert list(data.feature_names) == ["g1", "g2", "g3", "g4"]
            assert list(data.classes) == ["liver", "lung", "skin"]

    def test_table_errors(self, frame, tmp_path):
        frame.to_csv(tmp_path / "d.csv", index=False)
        with pytest.raises(DatasetError, match=r"non-numeric feature column\(s\) tissue.*or name the label column with --target"):
            load(tmp_path / "d.csv")
        with pytest.raises(DatasetError, match="has no column 'kind'"):
            load(tmp_path / "d.csv", target="kind")
        with pytest.raises(DatasetError, match="non-numeric feature column.*tissue"):
            load(tmp_path / "d.csv", target="g1")

    def test_npz_mat_and_svmlight(self, tmp_path):
        X, y = np.random.RandomState(0).randn(20, 5), np.arange(20) % 2
        np.savez(tmp_path / "d.npz", X=X, y=y)
        scipy.io.savemat(tmp_path / "d.mat", {"fea": X, "gnd": y[:, None]})
        dump_svmlight_file(X, y, str(tmp_path / "d.svm"))
        np.savez(tmp_path / "custom.npz", X=X, outcome=y)
        for path, target in (("d.npz", None), ("d.mat", None), ("d.svm", None), ("custom.npz", "outcome")):
            data = load(tmp_path / path, target=target)
            assert data.X.shape == (20, 5), path
            np.testing.assert_allclose(np.asarray(data.X.todense() if sp.issparse(data.X) else data.X), X, rtol=1e-5)
            np.testing.assert_array_equal(data.y, y)

    def test_unreadable_and_unknown_files(self, tmp_path):
        (tmp_path / "broken.npz").write_bytes(b"not a zip")
        (tmp_path / "data.xlsx").write_bytes(b"")
        with pytest.raises(DatasetError, match="cannot read broken.npz as npz"):
            load(tmp_path / "broken.npz")
        with pytest.raises(DatasetError, match="unknown file type '.xlsx'"):
            load(tmp_path / "data.xlsx")
        with pytest.raises(DatasetError, match="does not exist"):
            load(tmp_path / "absent.csv")
        with pytest.raises(DatasetError, match="unknown dataset 'ImageNet'"):
            load("ImageNet")


class TestSynthetic:
    def test_shape_and_informative_features(self):
        X, y, informative = make_synthetic(500, random_state=0)
        assert X.shape == (500, 200) and set(y) == {0, 1}
        assert len(informative) == 100 and len(set(informative)) == 100
        noise = np.setdiff1d(np.arange(200), informative)
        separation = np.abs(X[y == 0].mean(0) - X[y == 1].mean(0))
        assert separation[informative].mean() > 3 * separation[noise].mean()

    def test_seeded(self):
        a, b = make_synthetic(100, random_state=3), make_synthetic(100, random_state=3)
        assert all(np.array_equal(u, v) for u, v in zip(a, b))
        assert not np.array_equal(a[2], make_synthetic(100, random_state=4)[2])

    @needs_data("ORL.mat")
    def test_loadable_by_name_with_its_informative_features(self):
        data = load("synthetic-300")
        assert data.X.shape == (300, 200) and data.X.dtype == np.float32
        assert len(data.informative) == 100
        again = load("synthetic-300")
        np.testing.assert_array_equal(data.X, again.X)
        np.testing.assert_array_equal(data.informative, again.informative)
        assert load("ORL", data_home=SHARED_DATASETS, download=False).informative is None

    def test_rejects_impossible_counts(self):
        with pytest.raises(ValueError, match="n_informative"):
            make_synthetic(100, n_features=10, n_informative=20)


class TestMissingLabels:
    """Empty, blank or NaN labels are refused, never turned into a class (or a traceback)."""

    @pytest.fixture
    def features(self):
        return pd.DataFrame(np.random.RandomState(0).randn(8, 3), columns=["a", "b", "c"])

    def test_csv_with_empty_numeric_labels(self, features, tmp_path):
        features.assign(label=[0, 1, None, 1, 0, 1, 0, np.nan]).to_csv(tmp_path / "d.csv", index=False)
        with pytest.raises(DatasetError, match=r"d.csv: 2 of 8 labels are missing \(empty or NaN\), in row\(s\) 3, 8"):
            load(tmp_path / "d.csv", target="label")

    def test_csv_with_blank_text_labels(self, features, tmp_path):
        features.assign(label=["x", "y", "", "y", " ", "x", "y", "x"]).to_csv(tmp_path / "d.csv", index=False)
        (tmp_path / "d.tsv").write_text((tmp_path / "d.csv").read_text().replace(",", "\t"))
        for name in ("d.csv", "d.tsv"):
            with pytest.raises(DatasetError, match=r"2 of 8 labels are missing .* row\(s\) 3, 5 "):
                load(tmp_path / name, target="label")

    def test_a_single_nan_label_is_not_a_class_of_one(self, features, tmp_path):
        features.assign(label=[0, 1, 0, 1, 0, 1, 0, np.nan]).to_parquet(tmp_path / "d.parquet")
        with pytest.raises(DatasetError, match="1 of 8 labels are missing"):
            load(tmp_path / "d.parquet", target="label")

    def test_npz_and_mat_with_nan_labels(self, tmp_path):
        X = np.random.RandomState(0).randn(6, 2)
        y = np.array([0, 1, np.nan, 1, 0, 1])
        np.savez(tmp_path / "d.npz", X=X, y=y)
        np.savez(tmp_path / "text.npz", X=X, y=np.array(["a", "b", "a", "", "b", "a"]))
        scipy.io.savemat(tmp_path / "d.mat", {"X": X, "y": y[:, None]})
        for name, rows in (("d.npz", "3"), ("text.npz", "4"), ("d.mat", "3")):
            with pytest.raises(DatasetError, match=rf"{name}: 1 of 6 labels are missing .* row\(s\) {rows} "):
                load(tmp_path / name)

    def test_labels_of_mixed_kinds(self):
        from sparsefs._labels import encode_labels

        with pytest.raises(ValueError, match=r"y: the labels mix kinds of values \(int, str\)"):
            encode_labels(np.array(["a", 1, "b", 2], dtype=object))
        with pytest.raises(ValueError, match=r"y: 2 of 4 labels are missing"):
            encode_labels(np.array(["a", None, "b", float("nan")], dtype=object))


class TestFileMistakes:
    def test_a_folder_is_named_as_a_folder(self, tmp_path):
        (tmp_path / "data.csv").mkdir()
        with pytest.raises(DatasetError, match="data.csv is a folder, not a data file"):
            load(tmp_path / "data.csv", target="y")

    def test_a_header_only_csv_has_no_rows(self, tmp_path):
        (tmp_path / "d.csv").write_text("a,b,label\n")
        with pytest.raises(DatasetError, match=r"d.csv has no data rows \(only a header\)"):
            load(tmp_path / "d.csv", target="label")


class TestSizeLimits:
    """Arrays are measured from their headers before anything is allocated."""

    def test_a_compressed_mat_declaring_more_than_the_limit_is_refused(self, tmp_path, monkeypatch):
        # 2000 x 2000 zeros: 32 MB as declared, a few tens of kilobytes on disk.
        scipy.io.savemat(tmp_path / "zeros.mat", {"X": np.zeros((2000, 2000)), "y": np.arange(2000) % 2},
                         do_compression=True)
        assert (tmp_path / "zeros.mat").stat().st_size < 100_000
        monkeypatch.setenv("SPARSEFS_MAX_ARRAY_BYTES", str(10**7))
        with pytest.raises(DatasetError, match=r"zeros.mat \(its arrays as declared\) would take 32.0 MB .* limit of "
                                               r"10.0 MB; refusing .*SPARSEFS_MAX_ARRAY_BYTES"):
            load(tmp_path / "zeros.mat")
        spec = DatasetSpec("Z", "test", 2000, 2000, 2, (RemoteFile("zeros.mat", "https://example.invalid/z"),),
                           "skfeature-mat")
        with pytest.raises(DatasetError, match="would take 32.0 MB"):  # the registry's reader too
            load(spec, data_home=tmp_path, download=False)
        monkeypatch.setenv("SPARSEFS_MAX_ARRAY_BYTES", str(10**8))
        assert load(tmp_path / "zeros.mat").X.shape == (2000, 2000)

    def test_a_mat_file_whose_header_declares_terabytes(self, tmp_path):
        # A 2 x 2 matrix whose dimensions are patched to 10^6 x 10^6 in the (uncompressed) header.
        buffer = io.BytesIO()
        scipy.io.savemat(buffer, {"X": np.ones((2, 2)), "y": np.array([[0], [1]])})
        content = buffer.getvalue()
        dims = np.array([2, 2], dtype="<i4").tobytes()
        at = content.index(dims)
        patched = content[:at] + np.array([10**6, 10**6], dtype="<i4").tobytes() + content[at + 8:]
        (tmp_path / "huge.mat").write_bytes(patched)
        with pytest.raises(DatasetError, match=r"huge.mat \(its arrays as declared\) would take 8.0 TB"):
            load(tmp_path / "huge.mat")

    def test_an_npz_declaring_more_than_the_limit_is_refused(self, tmp_path, monkeypatch):
        np.savez_compressed(tmp_path / "zeros.npz", X=np.zeros((2000, 2000)), y=np.arange(2000) % 2)
        monkeypatch.setenv("SPARSEFS_MAX_ARRAY_BYTES", str(10**7))
        with pytest.raises(DatasetError, match=r"zeros.npz \(its arrays as declared\) would take 32.0 MB"):
            load(tmp_path / "zeros.npz")

    def test_a_synthetic_dataset_too_large_for_memory(self):
        with pytest.raises(DatasetError, match=r"synthetic-10000000000000 \(10000000000000 samples x 200 features\) "
                                               r"would take 24.0 PB"):
            load("synthetic-10000000000000")


@pytest.fixture
def dripping_server(tmp_path):
    """A server that answers with a 10 kB Content-Length, then sends one byte every 0.3 s."""
    sent = []

    class Drip(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "10000")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    sent.append(1)
                    time.sleep(0.3)
            except OSError:  # the client hung up
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow.mat", sent
    server.shutdown()


class TestDownloadDeadline:
    def test_a_dripping_download_stops_at_its_deadline_and_leaves_no_file(self, dripping_server, tmp_path, monkeypatch):
        url, sent = dripping_server
        monkeypatch.setenv("SPARSEFS_DOWNLOAD_TIMEOUT", "2")
        spec = DatasetSpec("Slow", "test", 30, 12, 3, (RemoteFile("slow/Slow.mat", url),), "skfeature-mat")
        home = tmp_path / "home"
        started = time.monotonic()
        with pytest.raises(DatasetError, match=r"downloading .*slow.mat did not finish within 2 s \(\d+ bytes received\)"
                                               r".*SPARSEFS_DOWNLOAD_TIMEOUT=SECONDS.*by hand"):
            load(spec, data_home=home)
        assert time.monotonic() - started < 10
        assert sent, "the server sent nothing: the deadline was not what stopped the download"
        assert [p for p in home.rglob("*") if p.is_file()] == []  # no temporary file left behind

    def test_pooch_says_nothing_without_progress(self, http_server, tmp_path):
        import logging

        import pooch

        root, base = http_server
        content = _mat_bytes(np.arange(360.0).reshape(30, 12), np.repeat([[1], [2], [3]], 10, axis=0))
        (root / "Tiny.mat").write_bytes(content)
        spec = DatasetSpec("Tiny", "test", 30, 12, 3, (RemoteFile("Tiny.mat", base + "Tiny.mat"),), "skfeature-mat")
        messages = []
        handler = logging.Handler()
        handler.emit = lambda record: messages.append(record.getMessage())
        pooch.get_logger().addHandler(handler)  # pooch's own logger, which writes to stderr
        try:
            load(spec, data_home=tmp_path / "quiet", progress=False)
            assert messages == []
            load(spec, data_home=tmp_path / "shown", progress=True)
            assert any(message.startswith("Downloading data from") for message in messages)
        finally:
            pooch.get_logger().removeHandler(handler)
