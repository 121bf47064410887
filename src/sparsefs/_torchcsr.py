"""torch's notice that its CSR tensors are "beta", kept from sparsefs's users.

torch warns once per process, the first time any CSR tensor is made, whoever makes it; the
operations sparsefs uses are stable. A filter would not do: a filter installed at import is
overridden wherever warnings are recorded (a study records each cell's warnings with
``simplefilter("always")``), and the notice would then appear with the first cell of every
worker. So the one notice is drawn here, once, with warnings ignored; modules that make CSR
tensors import this one.
"""

from __future__ import annotations

import warnings

import torch


def _draw_the_notice() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta", category=UserWarning)
        torch.sparse_csr_tensor(torch.tensor([0, 1]), torch.tensor([0]), torch.tensor([1.0]), (1, 1),
                                check_invariants=False)


_draw_the_notice()
