"""Where packages run: the sandbox of their frame, and the packages' own host (PACKAGE_ORIGIN).

Without PACKAGE_ORIGIN a package is served by the site's own host under a CSP sandbox without
``allow-same-origin``: an opaque origin, with no cookies, no storage and no readable answer from the API. With it,
launch URLs point at that host (checked by lms.core.config to share no host or domain with APP_ORIGINS), and only
requests arriving there get ``allow-same-origin``: a real origin, so the browser caches the package and the
runtimes between visits, yet it holds none of the site's cookies, because on that host the app answers package
files and ``/static/vendor/`` only and never sets a cookie.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, session

from lms.core.errors import problem

#: Package files run sandboxed: no allow-same-origin, so the document gets an opaque origin and cannot read the
#: platform's cookies or storage, nor call its API with the student's session (the platform's CORS answers an
#: opaque "null" origin with nothing). Scripts and forms are what simulations and SCORM players need.
PACKAGE_SANDBOX = "sandbox allow-scripts allow-forms allow-popups allow-modals"
#: What the app answers on PACKAGE_ORIGIN: a package's files and the vendored runtimes its documents load.
PACKAGE_HOST_ENDPOINTS = frozenset({"media.package_file_get", "vendor"})


def on_package_host() -> bool:
    """Whether this request came to PACKAGE_ORIGIN's host (ports aside: cookies do not tell ports apart)."""
    origin = current_app.config.get("PACKAGE_ORIGIN")
    if not origin:
        return False
    return urlsplit("//" + request.host).hostname == urlsplit(origin).hostname


def package_sandbox() -> str:
    """The CSP sandbox for a package file: ``allow-same-origin`` only on the packages' own host."""
    return f"{PACKAGE_SANDBOX} allow-same-origin" if on_package_host() else PACKAGE_SANDBOX


def frame_sandbox() -> dict:
    """What the player page's ``<iframe>`` needs: its ``sandbox`` tokens and the origin its messages come from.

    The iframe's sandbox attribute and the response's CSP sandbox add up, so the frame must grant
    ``allow-same-origin`` itself when the files come from PACKAGE_ORIGIN; elsewhere the origin is opaque.
    """
    tokens = PACKAGE_SANDBOX.split()[1:]
    origin = current_app.config.get("PACKAGE_ORIGIN")
    if origin:
        return {"sandbox": " ".join([*tokens, "allow-same-origin"]), "origin": origin}
    return {"sandbox": " ".join(tokens), "origin": "null"}


def package_host_only():
    """Before every request: on PACKAGE_ORIGIN's host, a 404 for anything but package files and the runtimes.

    Packages there have ``allow-same-origin``, so any page of the app on that host (a login form, the API) would
    be theirs to script; and no response there may set a cookie a package could read. The 404 is plain
    problem+json (an HTML error page would render the shell, with its CSRF token in a session cookie).
    """
    if not on_package_host() or request.endpoint in PACKAGE_HOST_ENDPOINTS:
        return None
    return problem(404, "Not Found", "Địa chỉ này chỉ phục vụ tệp của gói tương tác.")


def no_cookie_on_package_host(response):
    """After every request: nothing answered on PACKAGE_ORIGIN's host sets a cookie.

    The host answers a few endpoints only, but their error pages (a missing vendored file asked for as HTML) render
    the shell, whose CSRF token is written into the session. Flask saves the session after the after-request
    hooks, only when it was modified: unmarking it keeps the cookie off a host where packages can read cookies.
    """
    if on_package_host():
        session.modified = False
        response.headers.pop("Set-Cookie", None)
    return response
