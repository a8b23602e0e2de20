"""Who may see and manage a media asset: the one place routes, pages and other features ask.

Media does not know lectures or questions; those features register an access check saying who may see the
assets they use (``register_access_check``). Assets a caller may not see are ``NotFound``, so ids do not leak.
"""
from __future__ import annotations

from typing import Callable

from lms.core.db import db
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN

from .models import MediaAsset

AccessCheck = Callable[[object, int], bool]

_ACCESS_CHECKS: list[AccessCheck] = []


def register_access_check(fn: AccessCheck) -> None:
    """Add ``fn(user, asset_id) -> bool``; a viewer is allowed when any registered check says True.

    Registering the same function twice (a second ``create_app`` in tests) keeps one copy.
    """
    if fn not in _ACCESS_CHECKS:
        _ACCESS_CHECKS.append(fn)


def can_manage(user, asset: MediaAsset) -> bool:
    """Owner and admins may delete an asset and download the original of a video."""
    return user is not None and (user.role == ADMIN or asset.owner_id == user.id)


def can_view(user, asset: MediaAsset) -> bool:
    """Owner, admin, or anyone a registered feature check admits."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if can_manage(user, asset):
        return True
    return any(check(user, asset.id) for check in _ACCESS_CHECKS)


def ensure_visible(user, asset_id: int) -> MediaAsset:
    """The asset if ``user`` may see it, else NotFound (also for missing ids)."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or not can_view(user, asset):
        raise NotFound(f"Không tìm thấy tệp phương tiện {asset_id}.")
    return asset


def ensure_manageable(user, asset_id: int) -> MediaAsset:
    """The asset if ``user`` may delete it; NotFound when invisible, so a viewer learns nothing more."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or not can_manage(user, asset):
        raise NotFound(f"Không tìm thấy tệp phương tiện {asset_id}.")
    return asset
