"""The feature selector and what belongs to it alone: the base of every ranking selector, the
choice of K, the presets, the kept network."""
