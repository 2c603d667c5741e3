"""The Flask app: partners, customers and billing staff, plus the partner API."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user

from billing.core.errors import InvalidInput
from portal.config import load_settings
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.payments.settings import content_security_policy

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app; `config` overrides settings read from the environment."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_settings(Path(app.instance_path), config))
    _init_extensions(app)
    from portal.records import IdConverter

    app.url_map.converters["id"] = IdConverter  # before any route that names it
    from portal.json_bodies import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)
    _register_blueprints(app)
    from portal import branding, cli, errors, i18n, tasks

    tasks.celery_init_app(app)
    errors.register(app)
    i18n.register(app)
    branding.register(app)
    from portal.navigation import main_navigation

    app.jinja_env.globals["main_navigation"] = main_navigation
    cli.register(app)
    app.add_url_rule("/", "home", _home)
    app.jinja_env.globals["url_with"] = _url_with
    app.before_request(_refuse_nul_bytes)
    app.after_request(_security_headers)
    from portal.notices import deliver_after_request

    app.after_request(deliver_after_request)
    from portal.audit_log import seal_after_request

    app.after_request(seal_after_request)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "portal" / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    from portal import auth

    login_manager.user_loader(auth.load_user)


def _register_blueprints(app: Flask) -> None:
    from portal.api import bp as api_bp
    from portal.auth import bp as auth_bp
    from portal.customer import bp as customer_bp
    from portal.partner import bp as partner_bp
    from portal.staff import bp as staff_bp

    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(partner_bp, url_prefix="/partner")
    app.register_blueprint(customer_bp, url_prefix="/customer")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # bearer tokens, no cookies: nothing for a forged form to ride on
    from portal.payments.webhook import bp as webhook_bp

    app.register_blueprint(webhook_bp, url_prefix="/stripe")
    csrf.exempt(webhook_bp)  # Stripe signs its calls; there is no session to forge


def _home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_billing_staff:
        return redirect(url_for("staff.dashboard"))
    if current_user.is_staff:
        return redirect(url_for("staff.search"))
    if current_user.is_partner:
        return redirect(url_for("partner.dashboard"))
    return redirect(url_for("customer.overview"))


def _url_with(**changes) -> str:
    """The current page's URL with some query parameters replaced (pagination links);
    a parameter given as None is left out."""
    args = request.args.to_dict()
    args.update({key: str(value) for key, value in changes.items()})
    args = {key: value for key, value in args.items() if changes.get(key, "") is not None}
    return f"{request.path}?{urlencode(args)}"


def _refuse_nul_bytes():
    """No text we store or search contains a NUL; PostgreSQL refuses them with an error."""
    # Every value of a repeated field, not only the first one .values() would give.
    values = [value for fields in (request.args, request.form)
              for _, value in fields.items(multi=True)] + [request.path]
    if any("\x00" in value for value in values):
        raise InvalidInput("The request contains a NUL character.")


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy",
                                content_security_policy(current_app.config))
    if current_app.config["PORTAL_ENV"] == "production":  # served over HTTPS only
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    if response.mimetype in ("text/html", "application/json"):
        response.headers.setdefault("Cache-Control", "no-store")  # may carry CPNI
    return response
