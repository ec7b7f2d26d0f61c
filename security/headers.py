"""Security headers on every response.

The Content-Security-Policy allows scripts only from this origin plus the inline scripts Dash
itself generates for its index page (the renderer bootstrap, and Dash's own clientside
callbacks, such as Dash Pages' title updater), by their SHA-256 hashes. The hashes are taken from
the ``scripts`` and ``renderer`` parts Dash hands to ``Dash.interpolate_index`` (its documented
override point) while it builds the page, never from the finished HTML, so markup that found its
way into a page cannot allow itself. The product's own clientside code lives in ``assets/`` and
is registered with ``ClientsideFunction``. Nothing else inline runs, no eval.
Styles allow 'unsafe-inline' because plotly.js and AG Grid inject <style> elements at run time
(see docs/access.md for the test that proves the policy works with both).
"""

from __future__ import annotations

import base64
import hashlib
import re

import dash
import flask

from config import Config


def base_policy(*, script_hashes: list[str] = ()) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_script_hashes(*generated_html: str) -> list[str]:
    """The hashes of the inline ``<script>`` bodies in HTML fragments Dash generated."""
    hashes: list[str] = []
    for fragment in generated_html:
        for body in _INLINE_SCRIPT.findall(fragment or ""):
            value = script_hash(body)
            if value not in hashes:
                hashes.append(value)
    return hashes


def record_dash_inline_scripts(app: dash.Dash) -> None:
    """Wrap ``app.interpolate_index`` so that each index page records the hashes of the inline
    scripts Dash generated for it (in ``flask.g``), for the policy of that response."""
    interpolate = app.interpolate_index

    def interpolate_index(**parts):
        if flask.has_request_context():
            flask.g.aocc_script_hashes = inline_script_hashes(parts.get("scripts", ""), parts.get("renderer", ""))
        return interpolate(**parts)

    app.interpolate_index = interpolate_index


def apply_security_headers(response: flask.Response, config: Config) -> flask.Response:
    hashes = (
        flask.g.get("aocc_script_hashes", [])
        if response.mimetype == "text/html" and flask.has_request_context()
        else []
    )
    headers = response.headers
    headers["Content-Security-Policy"] = base_policy(script_hashes=hashes)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    if config.session_cookie_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    # Pages and data carry what a user's scope allows: no shared cache may keep them.
    # Fingerprinted bundles and assets set their own caching and are left alone.
    if "Cache-Control" not in headers and response.mimetype in ("text/html", "application/json"):
        headers["Cache-Control"] = "no-store"
    return response


def init_headers(app: dash.Dash, config: Config) -> None:
    record_dash_inline_scripts(app)

    @app.server.after_request
    def _security_headers(response):
        return apply_security_headers(response, config)
