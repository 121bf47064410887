"""The benchmark datasets of the paper (the method page §11), and a few extras from the same source.

Every entry names its files, where each file comes from, its sha256 where it is known, the
reader that turns the files into ``(X, y)``, and the shape and class count the data must have.
Addresses: scikit-feature's files are served from the project's site (the GitHub Pages home
of the former featureselection.asu.edu); MNIST from the CVDF mirror that TensorFlow Datasets
uses (sha256 from there); HAR from the UCI repository. Where no trustworthy sha256 is known
(files that could not be obtained here), ``sha256`` is ``None`` and only the shape check guards
the data: ``sparsefs datasets`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SKFEATURE = "https://jundongl.github.io/scikit-feature/files/datasets/"
MNIST_MIRROR = "https://storage.googleapis.com/cvdf-datasets/mnist/"
USPS_SOURCE = "https://raw.githubusercontent.com/chenbocqu/SEMMDL/b1d83a52caceb56b93f098ed71cf5d0700aa8880/data/USPS.mat"
HAR_SOURCE = "https://archive.ics.uci.edu/ml/machine-learning-databases/00240/UCI%20HAR%20Dataset.zip"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: where it lives under the data directory and where to get it.

    Examples
    --------
    >>> from sparsefs.datasets import get_spec
    >>> remote = get_spec("ORL").files[0]
    >>> remote.path, remote.sha256 is not None
    ('ORL.mat', True)
    """

    path: str
    url: str
    sha256: str | None = None


@dataclass(frozen=True)
class DatasetSpec:
    """A registry entry: a dataset's shape, classes, files and how to read them.

    Examples
    --------
    >>> from sparsefs.datasets import get_spec
    >>> spec = get_spec("Isolet")
    >>> spec.n_samples, spec.n_features, spec.n_classes, spec.group
    (1560, 617, 26, 'speech')
    """

    name: str
    group: str
    n_samples: int
    n_features: int
    n_classes: int
    files: tuple[RemoteFile, ...]
    reader: str
    in_paper: bool = True
    reference_name: str | None = None  # the name in the paper's reference tables (of the stood-in-for dataset for extras)
    image_shape: tuple[int, int] | None = None
    # K of the paper's evaluation: its script evaluates Madelon at its 20 informative
    # features and every other dataset at 100 (the paper's captions say 100 throughout).
    paper_k: int = 100
    image_order: str = "C"  # "F": pixels stored column by column (MATLAB order)
    aliases: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


def _skfeature(name, group, shape, n_classes, file, sha256=None, **kwargs) -> DatasetSpec:
    return DatasetSpec(
        name, group, shape[0], shape[1], n_classes, (RemoteFile(file, SKFEATURE + file, sha256),), "skfeature-mat", **kwargs
    )


def _mnist_file(name: str, folder: str, sha256: str) -> RemoteFile:
    return RemoteFile(f"{folder}/{name}", MNIST_MIRROR + name, sha256)


_MNIST_TRAIN = (
    _mnist_file("train-images-idx3-ubyte.gz", "MNIST", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    _mnist_file("train-labels-idx1-ubyte.gz", "MNIST", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
)
_MNIST_TEST = (
    _mnist_file("t10k-images-idx3-ubyte.gz", "MNIST_t10k", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    _mnist_file("t10k-labels-idx1-ubyte.gz", "MNIST_t10k", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
)

_SPECS = [
    DatasetSpec("MNIST", "hand-written", 70000, 784, 10, _MNIST_TRAIN + _MNIST_TEST, "mnist-idx",
                reference_name="MNIST", image_shape=(28, 28), note="train (60000) then test (10000) images"),
    DatasetSpec("USPS", "hand-written", 9298, 256, 10,
                (RemoteFile("USPS.mat", USPS_SOURCE, "c43494fd33248f6932ea68ba9f36db7bfff998a8cd1f61aad7e831b189b288ab"),),
                "usps-mat", reference_name="USPS", image_shape=(16, 16),
                note="chenbocqu/SEMMDL copy (train then test); labels are the digits 0-9"),
    _skfeature("Gisette", "hand-written", (7000, 5000), 2, "gisette.mat", reference_name="Gisette"),
    _skfeature("COIL20", "image", (1440, 1024), 20, "COIL20.mat",
               "4595ebdda07f47b0eb014fcfaddc22b452f9aed9c1d9261a0d5bc336c1ee1344",
               reference_name="Coil20", image_shape=(32, 32), image_order="F", aliases=("Coil20",)),
    _skfeature("ORL", "image", (400, 1024), 40, "ORL.mat",
               "e257ec36002e48688ed7f3b9fda13f479f2fd98864fa0672d1353eda1912b189",
               reference_name="ORL", image_shape=(32, 32), image_order="F"),
    _skfeature("Yale", "image", (165, 1024), 15, "Yale.mat",
               "cccd29abd2c520dd5cc8ff7645b422c2bdadd59406a6b6a0239143d9d44afcf3",
               reference_name="Yale", image_shape=(32, 32), image_order="F"),
    _skfeature("BASEHOCK", "text", (1993, 4862), 2, "BASEHOCK.mat",
               "e0452e0f3c0fefdc5cb6352165e4ba4a25c3a2a7b5a5b4d44e103742d6317aa0", reference_name="BASEHOCK"),
    _skfeature("PCMAC", "text", (1943, 3289), 2, "PCMAC.mat",
               "9999dfccf97ab88f87127dd3457da436acb75cda9f0af4750e7cae5fe1a31b25", reference_name="PCMAC"),
    _skfeature("RELATHE", "text", (1427, 4322), 2, "RELATHE.mat",
               "1091fe26c721aa69ddc5ce3ebcef54e03565809cae07e1769cef45ad23ab28d0", reference_name="RELATHE"),
    _skfeature("Prostate_GE", "biological", (102, 5966), 2, "Prostate_GE.mat",
               "050b598534dbc662f23e30f39b41354b61d02ab8567837bcf9b1091c1c636ab4", reference_name="Prostate_GE"),
    _skfeature("SMK-CAN-187", "biological", (187, 19993), 2, "SMK_CAN_187.mat",
               reference_name="SMK", aliases=("SMK", "SMK_CAN_187")),
    _skfeature("CLL-SUB-111", "biological", (111, 11340), 3, "CLL_SUB_111.mat",
               reference_name="CLL", aliases=("CLL", "CLL_SUB_111")),
    _skfeature("lymphoma", "biological", (96, 4026), 9, "lymphoma.mat",
               "bd834ed911d47ecf2e07625ed77617d514d89ee398fa2e7a787230f7cf5243f8", reference_name="Lymphoma"),
    _skfeature("Carcinom", "biological", (174, 9182), 11, "Carcinom.mat", reference_name="Carcinom"),
    DatasetSpec("HAR", "time series", 10299, 561, 6, (RemoteFile("UCI HAR Dataset.zip", HAR_SOURCE),), "uci-har-zip",
                reference_name="HAR", note="UCI HAR: train then test rows; feature names from features.txt"),
    _skfeature("Arcene", "mass spectrometry", (200, 10000), 2, "arcene.mat",
               "779d678207b9a8c0ba8f2f5ecdb2216d9f98bf475ab040e806797efd36331bc5", reference_name="Arcene"),
    _skfeature("Isolet", "speech", (1560, 617), 26, "Isolet.mat",
               "ea73c69b1342a7def8199458e53a70307a83d557eceb2579863dda57c3ccd2b1", reference_name="Isolet"),
    _skfeature("Madelon", "artificial, noisy", (2600, 500), 2, "madelon.mat",
               "7dc9c9ff8d902651948e2df7f9cb6ed38c5d91e4c4159914cecb1ddbc7def12c", reference_name="Madelon",
               paper_k=20),
    # Extras: not in the paper, same sources.
    # Not the paper's MNIST, but its stand-in where 70000 images are too many: reports compare it
    # with the paper's MNIST numbers and say so.
    DatasetSpec("MNIST-10k", "hand-written", 10000, 784, 10, _MNIST_TEST, "mnist-idx", in_paper=False,
                reference_name="MNIST", image_shape=(28, 28), note="MNIST's official 10000-image test split alone"),
    _skfeature("ALLAML", "biological", (72, 7129), 2, "ALLAML.mat",
               "068afe0fe1021932e1e7d801294c267de8aeaa9d41899acfac024e72b0d44c1e", in_paper=False),
    _skfeature("GLIOMA", "biological", (50, 4434), 4, "GLIOMA.mat",
               "c31cd32edd770c7a102729839e670e588bc959a591e0eae5a0676c9ca11d4c4f", in_paper=False),
    _skfeature("TOX_171", "biological", (171, 5748), 4, "TOX_171.mat",
               "f52f57e61775b7830c84750456d7fadfd220d1cc8eed26419c3390eb9216cc84", in_paper=False),
    _skfeature("colon", "biological", (62, 2000), 2, "colon.mat",
               "ffcdeba03eb67cec403fa1dc9f827c22a6e2c57786bf3e01dfe1b4b3e25e0a2f", in_paper=False),
    _skfeature("leukemia", "biological", (72, 7070), 2, "leukemia.mat",
               "eb92382fb77c968864cb0a92a2c77acde7f88ba7fe5fd5a64b98184e3a05269d", in_paper=False),
    _skfeature("nci9", "biological", (60, 9712), 9, "nci9.mat",
               "e336aa43eaf3103803252604375a89141043994a54f93222f7ccc12b5b910789", in_paper=False),
]

REGISTRY: dict[str, DatasetSpec] = {spec.name: spec for spec in _SPECS}
PAPER_DATASETS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if spec.in_paper)


def get_spec(name: str) -> DatasetSpec:
    """The registry entry called ``name`` (case-insensitive; paper short names accepted).

    Examples
    --------
    >>> from sparsefs.datasets import get_spec
    >>> get_spec("coil20").name
    'COIL20'
    """
    wanted = name.casefold()
    for spec in _SPECS:
        if wanted in {spec.name.casefold(), *(alias.casefold() for alias in spec.aliases)}:
            return spec
    raise KeyError(name)
