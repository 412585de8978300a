"""Input stage: walk a folder or read one file, decode it, and make :class:`Document` s.

- :func:`iter_inputs` walks a folder and yields a Document (or several, for JSONL) or exactly
  one :class:`Skipped` with a reason per file; it never raises for a bad file.
- :func:`read_document` reads one file (or one article, ``feed.jsonl#ID``) for ``compare``
  and raises :class:`InputError`.
- Ids are unique in a walk: a file's path, ``path#ID`` for a JSONL article (``ID#lineN``
  when ``ID`` is taken twice or names another file). Titles and bylines of text and Markdown
  files come from their first lines (:mod:`.titles`).
- :func:`decode_bytes` turns bytes into text (BOM, UTF-8, ``--encoding``, detection).

Modules: :mod:`.walk` (the folder walk), :mod:`.readers` (one reader per format,
:func:`read_document`), :mod:`.jsonl` (JSON Lines: lines, records, ids), :mod:`.common`
(what they share: the skip, :data:`FORMATS`, checks), :mod:`.decode`, :mod:`.html`,
:mod:`.titles`.
"""

from .common import FORMATS
from .decode import DecodeError, decode_bytes
from .readers import read_document
from .walk import iter_inputs

__all__ = ["iter_inputs", "read_document", "decode_bytes", "DecodeError", "FORMATS"]
