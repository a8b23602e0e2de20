"""The ``whoosh`` search backend: an embedded index in ``LMS_DATA_DIR/search`` (Whoosh-Reloaded, pinned).

``indexes`` holds :class:`SearchIndex` (writes, searches, snippets, suggestions); ``docsets`` and ``masks``
its bitmask fast path; ``schemas`` the whoosh schema and the document-to-fields mapping; ``writers`` the
segment writer every write uses (whoosh's format, a faster path to it).
"""
from .indexes import IndexBusyError, SearchIndex
from .schemas import allow_query, build_schema

__all__ = ["IndexBusyError", "SearchIndex", "allow_query", "build_schema"]
