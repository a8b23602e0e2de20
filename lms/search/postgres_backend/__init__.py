"""The ``postgres`` search backend: full-text search in ``search_documents``, inside the database.

``indexes`` holds :class:`PostgresIndex` (writes in the caller's transaction; search, facets and
permission filters in SQL); ``vectors`` builds the tsvector/tsquery literals; ``snippets`` marks matches;
``suggestions`` is "did you mean" on ``pg_trgm``; ``models`` the tables.
"""
from .indexes import PostgresIndex
from .models import SearchDocument, SearchTerm

__all__ = ["PostgresIndex", "SearchDocument", "SearchTerm"]
