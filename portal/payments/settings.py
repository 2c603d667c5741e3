"""The Stripe settings of the running app, or None when online payment is not configured
(the embedded default: offline payments still work)."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app

from billing.payments.provider import DEFAULT_JS_URL, StripeSettings

STRIPE_API = "https://api.stripe.com"


def stripe_settings() -> StripeSettings | None:
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        return None
    return StripeSettings(api_key=config["STRIPE_SECRET_KEY"],
                          api_base=config.get("STRIPE_API_BASE") or None,
                          webhook_secret=config.get("STRIPE_WEBHOOK_SECRET") or None,
                          publishable_key=config.get("STRIPE_PUBLISHABLE_KEY") or None,
                          js_url=config.get("STRIPE_JS_URL") or DEFAULT_JS_URL)


def content_security_policy(config) -> str:
    """The portal's policy, opened to Stripe's script, frames and API when it is used."""
    return _policy(bool(config.get("STRIPE_SECRET_KEY")), config.get("STRIPE_JS_URL"),
                   config.get("STRIPE_API_BASE"))


@lru_cache(maxsize=8)
def _policy(stripe_on: bool, js_url: str | None, api_base: str | None) -> str:
    script, frame, connect = ["'self'"], [], ["'self'"]
    if stripe_on:
        js = _origin(js_url or DEFAULT_JS_URL)
        api = _origin(api_base or STRIPE_API)
        script.append(js)
        frame += [js, "https://hooks.stripe.com"]
        connect += [api, js]
    parts = ["default-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'",
             f"script-src {' '.join(dict.fromkeys(script))}",
             f"connect-src {' '.join(dict.fromkeys(connect))}"]
    if frame:
        parts.append(f"frame-src {' '.join(dict.fromkeys(frame))}")
    return "; ".join(parts)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
