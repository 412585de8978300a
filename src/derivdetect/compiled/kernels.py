"""Every compiled kernel, one name space (what :func:`chars.compiled` returns); the kernels
live beside the stage they serve: :mod:`.sketch_kernels`, :mod:`.candidate_kernels`,
:mod:`.align_kernels`. Importing this module imports numba: load it through
``chars.compiled()``, which small scans never call."""

from .align_kernels import block_keys, exact_runs
from .candidate_kernels import (
    count_shared_keys,
    distinct_counts,
    first_holdings,
    mark_documents,
    rare_key_groups,
)
from .sketch_kernels import (
                             content_keys,
                             language_counts,
                             line_blocks,
                             line_key,
                             line_keys,
                             newly_known,
                             signatures,
                             table_add,
                             table_find,
                             table_insert,
                             tokenize,
)

__all__ = ["tokenize", "line_blocks", "line_key", "line_keys", "signatures", "language_counts",
           "content_keys", "table_find", "table_insert", "table_add", "newly_known",
           "mark_documents", "rare_key_groups", "count_shared_keys", "distinct_counts", "first_holdings",
           "exact_runs", "block_keys"]
