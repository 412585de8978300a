"""Exact set scores on shingle sets (sorted unique uint64 arrays)."""

from __future__ import annotations

import numpy as np


def overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Size of the intersection of two sorted unique arrays."""
    if len(a) == 0 or len(b) == 0:
        return 0
    return int(len(np.intersect1d(a, b, assume_unique=True)))


def set_scores(a: np.ndarray, b: np.ndarray) -> dict:
    """Jaccard and both containments: ``containment_a_in_b`` = |A∩B| / |A|."""
    shared = overlap(a, b)
    union = len(a) + len(b) - shared
    return {
        "jaccard": shared / union if union else 0.0,
        "containment_a_in_b": shared / len(a) if len(a) else 0.0,
        "containment_b_in_a": shared / len(b) if len(b) else 0.0,
    }
