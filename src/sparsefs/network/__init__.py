"""The sparse network: layers with a changing set of active weights, and their topology."""

from .mlp import BACKENDS, SparseMLP

__all__ = ["BACKENDS", "SparseMLP"]
