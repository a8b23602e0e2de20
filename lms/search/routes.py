"""JSON API of search."""
from __future__ import annotations

from flask_login import current_user

from lms.core.auth import exempt_api
from lms.core.permissions import SIGNED_IN
from lms.core.rest import ApiBlueprint

from . import schemas, service

bp = ApiBlueprint("search", __name__, url_prefix="/api/v1")
exempt_api(bp)


@bp.endpoint("/search", "GET", allow=SIGNED_IN, query=schemas.SearchQuery, response=schemas.SearchResultsOut,
             summary="Search lectures and questions the caller may see (diacritics-insensitive), with facets")
def search(args):
    return service.search(current_user, **args)
