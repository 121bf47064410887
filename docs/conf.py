"""Sphinx configuration of the sparsefs documentation.

Build (from the repository root, with the ``docs`` extra installed)::

    python -m sphinx -W --keep-going -n -b html docs docs/_build/html

``-W`` turns every warning into an error and ``-n`` (nitpicky) reports every reference that
does not resolve, so a renamed function breaks the build instead of the page.
"""

from __future__ import annotations

import shutil
from importlib.metadata import version as installed_version
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")  # the gallery draws without a display
# The gallery's networks are small: one thread is as fast as two, and on a busy machine
# several threads per process spin against each other (many times slower).
torch.set_num_threads(1)

DOCS = Path(__file__).resolve().parent

project = "sparsefs"
author = "sparsefs developers"
copyright = "2026, sparsefs developers"
release = installed_version("sparsefs")  # the one version, from pyproject.toml
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax copied into _static: formulas render from disk, offline
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "sphinxarg.ext",
    "sphinx_design",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
# docs/reproduction holds a generated report: only REPRODUCTION.md is a page; the rest
# (index.html, tables, figures) is copied beside it as it is (see _copy_reproduction).
exclude_patterns = [
    "_build",
    "reproduction/summary.md",
    "reproduction/paper_comparison.md",
    "reproduction/tables/*",
    "sg_execution_times.rst",
]
nitpicky = True
nitpick_ignore_regex = [
    # Standard-library and third-party types named in docstrings; no intersphinx (the build
    # must work offline), so these are plain text.
    ("py:class", r"(abc|numpy|np|pandas|pd|torch|scipy|sklearn|pathlib|os|argparse|collections|typing)\..*"),
    ("py:class", r"(array-like|ndarray|DataFrame|Series|Tensor|sparse matrix|path-like|callable|optional)"),
    ("py:obj", r"sklearn\..*"),  # scikit-learn's classes in "See Also" sections
    # private base classes (a leading underscore) shown by :show-inheritance: have no page
    ("py:class", r"sparsefs\.[\w.]*\._[A-Z]\w*"),
]

# API reference: autosummary writes a page per public name (generated/), numpydoc renders
# the docstrings. Signatures without type hints: the docstrings say the types.
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# Markdown (the reproduction record, the changelog): links are kept as written, since they
# point to files copied beside the page (index.html, tables/, figures/).
myst_all_links_external = True
myst_heading_anchors = 3

# The gallery: executed at every build on data that needs no network.
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "abort_on_example_error": True,
    "min_reported_time": 1,
    "capture_repr": ("_repr_html_", "__repr__"),
    # "Examples using ..." on every API page (the class and function templates include the
    # mini-gallery). Code in the examples links to the API pages by itself: sphinx-gallery
    # resolves names against the documentation being built (the former ``reference_url``
    # option is gone; external names would need intersphinx, which an offline build lacks).
    "doc_module": ("sparsefs",),
    "backreferences_dir": "generated/backreferences",
}

html_theme = "pydata_sphinx_theme"
html_title = f"sparsefs {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    # sparsefs has no public repository yet: the header links the paper and the authors'
    # code, and every page links its own source ("Show Source", from the page's right column).
    "icon_links": [
        {"name": "The paper (arXiv:2408.04583)", "url": "https://arxiv.org/abs/2408.04583",
         "icon": "fa-solid fa-file-lines"},
        {"name": "The paper's authors' code (GitHub)",
         "url": "https://github.com/zahraatashgahi/Neuron-Attribution", "icon": "fa-brands fa-github"},
    ],
}
# Pages without sub-pages get no left column (it would hold an empty "Section Navigation").
html_sidebars = {page: [] for page in
                 ("index", "install", "method", "reproduction/REPRODUCTION", "quality/QUALITY", "changelog")}
html_static_path = ["_static"]
html_css_files = ["sparsefs.css"]
html_show_sourcelink = True
html_copy_source = True
# The right column lists a class's methods by their own names ("fit()"), not prefixed by the
# class name, which no column is wide enough for.
toc_object_entries_show_parents = "hide"


def _copy_reproduction(app, exception):
    """Put the reproduction report's own files (index.html, figures, tables) beside its page,
    the report's page with links back to the site."""
    if exception is None and app.builder.format == "html":
        from sparsefs.report.html import add_site_links

        copied = Path(app.outdir) / "reproduction"
        shutil.copytree(DOCS / "reproduction", copied, dirs_exist_ok=True)
        add_site_links(copied / "index.html", [("../index.html", f"{project} documentation"),
                                               ("REPRODUCTION.html", "Reproduction of the paper's results")])


# A class page lists its own methods and, of those it inherits, only the scikit-learn estimator
# API a user calls (fit_transform, transform, get_support, ...), not torch.nn.Module's
# internals or scikit-learn's metadata-routing setters.
_INHERITED_API = {"fit_transform", "transform", "inverse_transform", "get_support",
                  "get_feature_names_out", "get_params", "set_params", "predict", "score"}


def _skip_foreign_member(app, what, name, obj, skip, options):
    if what != "class" or skip:
        return None
    function = obj.fget if isinstance(obj, property) else obj
    if not callable(function):  # a documented class attribute (a part's name, label, style)
        return None
    module = getattr(function, "__module__", None) or ""
    if module.startswith("sparsefs"):
        return None
    return name not in _INHERITED_API


def setup(app):
    app.connect("build-finished", _copy_reproduction)
    app.connect("autodoc-skip-member", _skip_foreign_member)
