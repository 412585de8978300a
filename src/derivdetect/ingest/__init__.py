"""Input stage: walk a folder or read one file, decode it, and make :class:`Document` s.

- :func:`iter_inputs` walks a folder and yields a Document (or several, for JSONL) or exactly
  one :class:`Skipped` with a reason per file; it never raises for a bad file.
- :func:`read_document` reads one file for ``compare`` and raises :class:`InputError`.
- :func:`decode_bytes` turns bytes into text (BOM, UTF-8, ``--encoding``, detection).
"""

from .decode import DecodeError, decode_bytes
from .readers import FORMATS, iter_inputs, read_document

__all__ = ["iter_inputs", "read_document", "decode_bytes", "DecodeError", "FORMATS"]
