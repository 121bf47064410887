"""Truly sparse backend: only the active weights are stored, multiplied and optimised.

The weight values are one parameter vector in CSR order (row-major position order), so the
optimiser keeps Adam statistics for active weights only. Index structures are int32: the CSR
row pointers and column indices of ``W``, and those of ``W^T`` with a permutation into the
values, rebuilt only when the topology changes. Per step:

- forward ``y = x W^T`` is ``(W_csr @ x^T)^T`` (MKL sparse on the CPU, cuSPARSE on CUDA);
- the input gradient ``g W`` is ``(W^T_csr @ g^T)^T``;
- the weight gradient is sampled at the active positions only (``torch.sparse.sampled_addmm``).

Every cost grows with the number of active weights, not with ``in_features x out_features``;
the one exception is RigL's search for the largest inactive gradient, which by definition
scores every position, and does so in column blocks so that its memory stays bounded.
"""

from __future__ import annotations

import torch
from torch import nn

from .. import _torchcsr  # noqa: F401  (torch's "beta" notice on the first CSR tensor, drawn silently)
from .layers import initial_weights
from .topology import top_n

#: Elements of one dense gradient block in RigL's search (16 MB in float32).
_GRADIENT_BLOCK_ELEMENTS = 1 << 22


class _SparseLinearFunction(torch.autograd.Function):
    """``x W^T`` for the CSR weight of ``layer`` whose values are ``values``."""

    @staticmethod
    def forward(ctx, x, values, layer):
        x_t = x.t().contiguous()  # (in, batch): the layout both CSR products read fastest
        ctx.layer = layer
        ctx.save_for_backward(x_t, values)
        return (layer.csr(values) @ x_t).t()

    @staticmethod
    def backward(ctx, grad_out):
        x_t, values = ctx.saved_tensors
        layer = ctx.layer
        grad_t = grad_out.t().contiguous()  # (out, batch)
        grad_x = grad_values = None
        if ctx.needs_input_grad[0]:
            grad_x = (layer.csr_transposed(values) @ grad_t).t()
        if ctx.needs_input_grad[1]:
            # x_t.t() is x in column-major order: the sampled product reads its columns contiguously
            sampled = torch.sparse.sampled_addmm(layer.csr(values), grad_t, x_t.t(), beta=0.0)
            grad_values = sampled.values()
        if layer._capture:
            layer._captured = (x_t.t(), grad_t)
        return grad_x, grad_values, None


def _expand_ranges(starts: torch.Tensor, counts: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For ranges ``[starts[e], starts[e] + counts[e])``: every member, and the range it belongs to."""
    owner = torch.repeat_interleave(torch.arange(counts.numel(), device=counts.device), counts)
    first = torch.cumsum(counts, 0) - counts  # where each range begins in the output
    members = torch.arange(owner.numel(), device=counts.device) - (first - starts)[owner]
    return members, owner


class _SparseInputLinearFunction(torch.autograd.Function):
    """``x W^T`` for a torch CSR batch ``x`` and the CSR weight of ``layer``, from their non-zeros.

    Every stored ``x[k, j]`` meets the active weights of column ``j`` (a row of ``W^T``): the
    product is one scatter-add over these pairs, and the weight gradient one more, so both
    cost the number of pairs (about ``nnz(x) x`` the mean number of weights per input) and
    nothing grows with ``in_features``. The input needs no gradient.
    """

    @staticmethod
    def forward(ctx, x, values, layer):
        crow, col, x_values = x.crow_indices(), x.col_indices(), x.values()
        row_base = torch.repeat_interleave(torch.arange(0, x.shape[0] * layer.out_features, layer.out_features,
                                                        device=col.device), crow[1:] - crow[:-1])
        t_crow, t_col, t_perm = layer.transposed_long()
        starts = t_crow[col]
        position, entry = _expand_ranges(starts, t_crow[col + 1] - starts)
        target = row_base[entry] + t_col[position]  # flat (k, i) of z
        value_index = t_perm[position]
        contribution = x_values[entry]
        out = torch.zeros(x.shape[0] * layer.out_features, dtype=values.dtype, device=values.device)
        out.index_add_(0, target, contribution * values.detach()[value_index])
        ctx.layer = layer
        ctx.save_for_backward(target, value_index, contribution)
        ctx.n_active = values.numel()
        ctx.batch = x
        return out.view(x.shape[0], layer.out_features)

    @staticmethod
    def backward(ctx, grad_out):
        target, value_index, contribution = ctx.saved_tensors
        layer = ctx.layer
        grad_values = None
        if ctx.needs_input_grad[1]:
            grad_values = torch.zeros(ctx.n_active, dtype=grad_out.dtype, device=grad_out.device)
            grad_values.index_add_(0, value_index, contribution * grad_out.reshape(-1)[target])
        if layer._capture:
            layer._captured = (ctx.batch, grad_out.t().contiguous())
        return None, grad_values, None


class SparseLinear(nn.Module):
    """A linear layer storing only its ``n_active`` weights (values + int32 CSR indices)."""

    #: CSR x dense products slow down several-fold once the dense operand outgrows the
    #: cache (measured, 5000 x 1000 at 4% density: 2600 gradient columns at once took 1.7x
    #: as long as 128 at a time, 20000 x 1000: 1.7x).
    gradient_block_size = 128

    #: Elements of one block of input gradients in ``input_gradient_l1`` (2 MB in float32:
    #: written and summed while still in cache; 2-4 MB blocks measured fastest, 8 MB 1.5x slower).
    attribution_block_elements = 1 << 19

    def __init__(self, in_features: int, out_features: int, n_active: int, generator: torch.Generator):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        positions, values, bias = initial_weights(in_features, out_features, n_active, generator)
        self.weight = nn.Parameter(values)
        self.bias = nn.Parameter(bias)
        for name in ("crow", "col", "t_crow", "t_col", "t_perm"):
            self.register_buffer(name, torch.empty(0, dtype=torch.int32))
        self._set_structure(positions)
        self._capture = False
        self._captured: tuple[torch.Tensor, torch.Tensor] | None = None
        self._transposed_cache: tuple[tuple, torch.Tensor] | None = None
        self._input_cache = None
        self._long_cache = None
        self._values_cache = None

    def __getstate__(self):
        # Caches derived from the weights and the topology (CSR tensors, which cannot be copied
        # or pickled) and the captured gradient are rebuilt when needed: copies and pickles leave them out.
        return {**super().__getstate__(), "_captured": None, "_transposed_cache": None, "_input_cache": None,
                "_long_cache": None, "_values_cache": None}

    @property
    def device(self) -> torch.device:
        return self.weight.device

    @property
    def n_active(self) -> int:
        return self.weight.numel()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.layout == torch.sparse_csr:
            return _SparseInputLinearFunction.apply(x, self.weight, self) + self.bias
        return _SparseLinearFunction.apply(x, self.weight, self) + self.bias

    # -- sparse matrices -------------------------------------------------------------------

    def csr(self, values: torch.Tensor) -> torch.Tensor:
        return torch.sparse_csr_tensor(
            self.crow, self.col, values.detach(), (self.out_features, self.in_features), check_invariants=False
        )

    def csr_transposed(self, values: torch.Tensor) -> torch.Tensor:
        """``W^T`` in CSR form, rebuilt only when the values or the topology changed."""
        key = (values._version, values.data_ptr(), self.t_perm.data_ptr())
        if self._transposed_cache is None or self._transposed_cache[0] != key:
            transposed = torch.sparse_csr_tensor(
                self.t_crow, self.t_col, values.detach()[self.t_perm], (self.in_features, self.out_features),
                check_invariants=False,
            )
            self._transposed_cache = (key, transposed)
        return self._transposed_cache[1]

    def _set_structure(self, positions: torch.Tensor, rows: torch.Tensor | None = None,
                       cols: torch.Tensor | None = None) -> None:
        """Index structures for sorted flat ``positions`` (on the layer's device); their ``rows``
        and ``cols`` when the caller has them (a division of every position costs more)."""
        if rows is None:
            rows, cols = positions // self.in_features, positions % self.in_features
        self.crow = _row_pointers(rows, self.out_features)
        self.col = cols.to(torch.int32)
        # column-major order; sorting int32 keys is twice as fast as int64 (measured)
        self.t_perm = torch.sort(self.col, stable=True).indices.to(torch.int32)
        self.t_crow = _row_pointers(cols, self.in_features)
        self.t_col = rows[self.t_perm].to(torch.int32)
        self._transposed_cache = None
        self._input_cache = None
        self._long_cache = None
        self._values_cache = None

    # -- the layer protocol ----------------------------------------------------------------

    def _rows(self) -> torch.Tensor:
        counts = self.crow[1:] - self.crow[:-1]
        return torch.repeat_interleave(torch.arange(self.out_features, device=self.device), counts)

    def active_positions(self) -> torch.Tensor:
        return self._rows() * self.in_features + self.col.long()

    def active_magnitudes(self) -> torch.Tensor:
        return self.weight.detach().abs()

    @torch.no_grad()
    def rewire(self, active: torch.Tensor, removed: torch.Tensor, grown: torch.Tensor, optimizer=None) -> None:
        keep = torch.ones_like(active, dtype=torch.bool)
        keep[removed] = False
        kept = keep.nonzero().flatten()
        grown = grown.sort().values  # (SET's already are)
        # Both lists are sorted: a grown position's place in the merged list is its place among
        # the survivors plus the grown ones before it, so no sort of the whole layer is needed.
        n_total = kept.numel() + grown.numel()
        grown_slots = torch.searchsorted(active[kept], grown) + torch.arange(grown.numel(), device=grown.device)
        is_grown = torch.zeros(n_total, dtype=torch.bool, device=grown.device)
        is_grown[grown_slots] = True
        kept_slots = (~is_grown).nonzero().flatten()

        def carried(old: torch.Tensor, new: torch.Tensor | None = None) -> torch.Tensor:
            # survivors keep their value; grown entries take ``new`` (weights and statistics: 0)
            out = old.new_zeros(n_total) if new is None else old.new_empty(n_total)
            out[kept_slots] = old[kept]
            if new is not None:
                out[grown_slots] = new
            return out

        if n_total == self.weight.numel():
            self.weight.copy_(carried(self.weight))
        else:  # a method that changes the count: same Parameter (the optimiser keeps it), new size
            self.weight.data = carried(self.weight)
        state = optimizer.state.get(self.weight) if optimizer is not None else None
        for key, value in (state or {}).items():
            if torch.is_tensor(value) and value.shape == active.shape:
                state[key] = carried(value)
        self._set_structure(carried(active, grown), carried(self._rows(), grown // self.in_features),
                            carried(self.col.long(), grown % self.in_features))

    def capture_gradient(self, flag: bool) -> None:
        self._capture = flag
        if not flag:
            self._captured = None

    @torch.no_grad()
    def topk_inactive_gradient(self, n: int, active: torch.Tensor | None = None) -> torch.Tensor:
        if self._captured is None:
            raise RuntimeError("no gradient captured: call capture_gradient(True) before the backward pass")
        x, grad_t = self._captured
        active = self.active_positions() if active is None else active
        if x.layout == torch.sparse_csr:
            return self._topk_gradient_sparse_input(x, grad_t, n, active)
        active_rows, active_cols = active // self.in_features, active % self.in_features
        width = max(1, _GRADIENT_BLOCK_ELEMENTS // self.out_features)
        row_starts = torch.arange(self.out_features, device=self.device).unsqueeze(1) * self.in_features
        best_scores = torch.empty(0, dtype=x.dtype, device=self.device)
        best_positions = torch.empty(0, dtype=torch.long, device=self.device)
        for start in range(0, self.in_features, width):
            stop = min(start + width, self.in_features)
            scores = (grad_t @ x[:, start:stop]).abs_()  # dense dL/dW for these columns
            inside = (active_cols >= start) & (active_cols < stop)
            scores[active_rows[inside], active_cols[inside] - start] = -1.0
            positions = (row_starts + torch.arange(start, stop, device=self.device)).view(-1)
            scores = torch.cat([best_scores, scores.view(-1)])
            positions = torch.cat([best_positions, positions])
            chosen = top_n(scores, positions, n)
            best_scores, best_positions = scores[chosen], positions[chosen]
        return best_positions

    def _topk_gradient_sparse_input(self, x: torch.Tensor, grad_t: torch.Tensor, n: int, active: torch.Tensor) -> torch.Tensor:
        """RigL's search when the batch ``x`` is sparse: ``dL/dW = grad_t x`` is zero outside the
        columns where ``x`` has non-zeros, so only those are scored (blocks of columns, bounded
        memory). Positions the dense search would pick among zero scores (the smallest inactive
        ones) are added back, so the choice is the dense search's."""
        samples = torch.repeat_interleave(torch.arange(x.shape[0], device=self.device),
                                          x.crow_indices()[1:] - x.crow_indices()[:-1])
        columns, column_index = torch.unique(x.col_indices(), return_inverse=True)  # sorted
        # x^T restricted to its non-zero columns, as CSR: row u is column columns[u] of x
        x_t = torch.sparse_coo_tensor(torch.stack([column_index, samples]), x.values(),
                                      (columns.numel(), x.shape[0]), check_invariants=False).coalesce().to_sparse_csr()
        grad = grad_t.t().contiguous()  # (batch, out)
        # active weights that sit in a scored column: (block row, layer row) to mask out
        active_cols = active % self.in_features
        where = torch.searchsorted(columns, active_cols).clamp_(max=max(columns.numel() - 1, 0))
        scored = columns.numel() > 0
        in_columns = (columns[where] == active_cols) if scored else torch.zeros_like(active_cols, dtype=torch.bool)
        active_u, active_rows = where[in_columns], (active // self.in_features)[in_columns]
        row_offsets = torch.arange(self.out_features, device=self.device) * self.in_features
        width = max(1, _GRADIENT_BLOCK_ELEMENTS // self.out_features)
        best_scores = torch.empty(0, dtype=grad.dtype, device=self.device)
        best_positions = torch.empty(0, dtype=torch.long, device=self.device)
        crow, col, values = x_t.crow_indices(), x_t.col_indices(), x_t.values()
        for start in range(0, columns.numel(), width):
            stop = min(start + width, columns.numel())
            lo, hi = int(crow[start]), int(crow[stop])
            block = torch.sparse_csr_tensor(crow[start : stop + 1] - lo, col[lo:hi], values[lo:hi],
                                            (stop - start, x.shape[0]), check_invariants=False)
            scores = torch.mm(block, grad).abs_()  # (columns in block, out): dL/dW transposed
            inside = (active_u >= start) & (active_u < stop)
            scores[active_u[inside] - start, active_rows[inside]] = -1.0
            positions = (columns[start:stop].unsqueeze(1) + row_offsets).view(-1)
            scores = torch.cat([best_scores, scores.view(-1)])
            positions = torch.cat([best_positions, positions])
            chosen = top_n(scores, positions, n)
            best_scores, best_positions = scores[chosen], positions[chosen]
        positive = best_positions[best_scores > 0]
        if positive.numel() >= n:
            return best_positions
        # the rest have zero gradient, like every position outside these columns: smallest first
        ranks = torch.arange(n, device=self.device)
        inactive_before = active - torch.arange(active.numel(), device=self.device)
        smallest = ranks + torch.searchsorted(inactive_before, ranks, right=True)
        smallest = smallest[~torch.isin(smallest, positive)][: n - positive.numel()]
        return torch.cat([positive, smallest])

    def backprop_columns(self, grad_t: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        return torch.mm(self.csr_transposed(self.weight), grad_t.contiguous(), out=out)

    def gradient_block_columns(self, max_elements: int, total: int | None = None) -> int:
        # No temporary here grows with in_features (input_gradient_l1 blocks by rows). Up to
        # twice the usual block in one go (2 classes x batch 100) saves a second pass over
        # the first layer; wider blocks slow the CSR products (26 classes x 100 in one block:
        # 2.8x slower steps at d=784; 256 instead of 128 columns: 1.3x at d=5000, measured)
        if total is not None and total <= 2 * self.gradient_block_size:
            return total
        return self.gradient_block_size

    def input_gradient_l1(self, grad_t: torch.Tensor) -> torch.Tensor:
        """``sum_c |(W^T grad_t)[j, c]|`` per input ``j``, touching only inputs with weights.

        An input with one active weight ``w`` (to hidden unit ``i``) gets ``|w| sum_c |grad_t[i, c]|``;
        inputs with several are one CSR product over those inputs alone, in row blocks; inputs
        without weights get 0 and cost nothing. Work: active weights x columns; memory: a block.
        """
        single, single_rows, _, multi, multi_csr_parts = self._input_structure()
        single_magnitudes, multi_values = self._input_values()
        grad_t = grad_t.contiguous()
        total = torch.zeros(self.in_features, dtype=grad_t.dtype, device=grad_t.device)
        if single.numel():
            row_sums = grad_t.abs().sum(dim=1)
            total[single] = single_magnitudes * row_sums[single_rows]
        if multi.numel():
            crow, col, _ = multi_csr_parts
            rows_per_block = max(1, self.attribution_block_elements // max(1, grad_t.shape[1]))
            for start in range(0, multi.numel(), rows_per_block):
                stop = min(start + rows_per_block, multi.numel())
                lo, hi = int(crow[start]), int(crow[stop])
                block = torch.sparse_csr_tensor(crow[start : stop + 1] - lo, col[lo:hi], multi_values[lo:hi],
                                                (stop - start, self.out_features), check_invariants=False)
                # abs_ + sum: measured 3x faster here than linalg.vector_norm(ord=1)
                total[multi[start:stop]] = torch.mm(block, grad_t).abs_().sum(dim=1)
        return total

    def _input_values(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The weights in :meth:`_input_structure`'s order, gathered once per optimiser step
        (the attribution calls ``input_gradient_l1`` once per block of samples)."""
        values = self.weight
        key = (values._version, values.data_ptr(), self.t_perm.data_ptr())
        if self._values_cache is None or self._values_cache[0] != key:
            _, _, single_perm, _, (_, _, perm) = self._input_structure()
            detached = values.detach()
            self._values_cache = (key, (detached[single_perm].abs(), detached[perm]))
        return self._values_cache[1]

    def transposed_long(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``t_crow``, ``t_col`` and ``t_perm`` as int64, per topology (sparse input indexes with them)."""
        key = self.t_perm.data_ptr()
        if self._long_cache is None or self._long_cache[0] != key:
            self._long_cache = (key, (self.t_crow.long(), self.t_col.long(), self.t_perm.long()))
        return self._long_cache[1]

    def _input_structure(self):
        """Per topology: inputs with one active weight (their row and value index) and the CSR
        of ``W^T`` restricted to the inputs with several."""
        key = self.t_perm.data_ptr()
        if self._input_cache is not None and self._input_cache[0] == key:
            return self._input_cache[1]
        t_crow = self.t_crow.long()
        degree = t_crow[1:] - t_crow[:-1]
        single = (degree == 1).nonzero().flatten()
        first_entry = t_crow[single]
        multi = (degree > 1).nonzero().flatten()
        entries, _ = _expand_ranges(t_crow[multi], degree[multi])
        crow = torch.cat([degree.new_zeros(1), degree[multi].cumsum(0)])
        parts = (crow.to(torch.int32), self.t_col[entries], self.t_perm[entries].long())  # CSR indices: one dtype
        structure = (single, self.t_col[first_entry].long(), self.t_perm[first_entry].long(), multi, parts)
        self._input_cache = (key, structure)
        return structure

    def abs_column_sums(self) -> torch.Tensor:
        sums = torch.zeros(self.in_features, dtype=self.weight.dtype, device=self.device)
        return sums.index_add_(0, self.col, self.weight.detach().abs())

    def dense_weight(self) -> torch.Tensor:
        dense = torch.zeros(self.out_features * self.in_features, dtype=self.weight.dtype, device=self.device)
        dense[self.active_positions()] = self.weight.detach()
        return dense.view(self.out_features, self.in_features)

    def extra_repr(self) -> str:
        density = self.n_active / (self.in_features * self.out_features)
        return f"in_features={self.in_features}, out_features={self.out_features}, density={density:.4f}, sparse"


def _row_pointers(rows: torch.Tensor, n_rows: int) -> torch.Tensor:
    counts = torch.bincount(rows, minlength=n_rows)
    return torch.cat([counts.new_zeros(1), counts.cumsum(0)]).to(torch.int32)
