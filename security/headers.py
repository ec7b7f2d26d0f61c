"""Security headers on every response.

The Content-Security-Policy allows scripts only from this origin plus the one inline script Dash
writes into its index page, the renderer bootstrap (``app.renderer``), by its SHA-256 hash.
Clientside callbacks live in ``assets/`` and are registered with ``ClientsideFunction``; a
clientside callback given as a string would be an inline script and is blocked. Nothing else
inline runs, no eval.
Styles allow 'unsafe-inline' because plotly.js and AG Grid inject <style> elements at run time
(see docs/access.md for the test that proves the policy works with both).
"""

from __future__ import annotations

import base64
import hashlib

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


def dash_inline_script_hashes(app: dash.Dash) -> list[str]:
    """The hash of the one inline script Dash itself writes into its index page, the renderer
    bootstrap (``app.renderer``, public and documented for custom renderers). Computed from the
    app, never from the HTML, so markup that found its way into a page cannot allow itself."""
    return [script_hash(app.renderer)]


def apply_security_headers(response: flask.Response, config: Config, app: dash.Dash | None = None) -> flask.Response:
    hashes = dash_inline_script_hashes(app) if app is not None and response.mimetype == "text/html" else []
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
    @app.server.after_request
    def _security_headers(response):
        return apply_security_headers(response, config, app)
