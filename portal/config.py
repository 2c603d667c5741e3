"""Settings from environment variables, with safe development defaults."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    pass


# Celery beat's timetable: task name -> cron fields (minute hour day month weekday), the
# same times as the cron lines of the README. Override with the CELERY_BEAT_SCHEDULE
# setting (a mapping) to change or drop an entry.
BEAT_SCHEDULE = {
    "mail.deliver": "* * * * *",
    "disputes.escalate": "*/5 * * * *",
    "payments.sync": "*/10 * * * *",
    "audit.seal": "* * * * *",
    "audit.verify": "30 3 * * *",
    "collections.run": "15 13 * * *",  # 06:15 in Denver in winter, 07:15 in summer
}


# Example bank details for development and the demo; never real accounts.
EXAMPLE_REMIT_TO = {
    "USD": {"beneficiary": "Northwind Unified Communications Inc.",
            "bank": "Example National Bank, Denver CO", "account_number": "000123456789",
            "routing_number": "123456780", "bic": "EXNBUS33XXX"},
    "CAD": {"beneficiary": "Northwind Unified Communications Inc.",
            "bank": "Example Bank of Canada, Toronto ON", "account_number": "0012345",
            "routing_number": "000112345"},
    "GBP": {"beneficiary": "Northwind Unified Communications Ltd",
            "bank": "Example Bank plc, London", "sort_code": "00-00-00",
            "account_number": "12345678", "iban": "GB29 NWBK 6016 1331 9268 19",
            "bic": "EXBKGB2LXXX"},
    "EUR": {"beneficiary": "Northwind Unified Communications Ltd",
            "bank": "Example Bank AG, Frankfurt am Main",
            "iban": "DE89 3704 0044 0532 0130 00", "bic": "EXBKDEFFXXX"},
}


def _remit_to(text: str | None, production: bool) -> dict:
    """The per-currency payment details: from JSON when set, else the examples (none in
    production, so that no invoice ever names an example bank account)."""
    if not text:
        return {} if production else EXAMPLE_REMIT_TO
    try:
        value = json.loads(text)
    except ValueError as error:
        raise ConfigError(f"REMIT_TO is not JSON: {error}") from None
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError("REMIT_TO must map each currency to an object of bank details.")
    return {currency.upper(): details for currency, details in value.items()}


def _instance_secret(instance: Path, name: str = "secret_key") -> str:
    """A development secret generated once and kept in instance/ (never committed)."""
    path = instance / name
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_settings(instance: Path, overrides: dict | None = None) -> dict:
    env = os.environ
    production = env.get("PORTAL_ENV", "development") == "production"
    settings = {
        "PORTAL_ENV": "production" if production else "development",
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SERVER": env.get("SMTP_HOST", "127.0.0.1"),
        "MAIL_PORT": int(env.get("SMTP_PORT", "25")),
        "MAIL_USERNAME": env.get("SMTP_USERNAME"),
        "MAIL_PASSWORD": env.get("SMTP_PASSWORD"),
        "MAIL_USE_TLS": env.get("SMTP_STARTTLS", "0") == "1",
        "MAIL_SENDER": env.get("MAIL_SENDER", "billing@portal.invalid"),
        "MAIL_DELIVERY": env.get("MAIL_DELIVERY", "inline"),
        "ATTACHMENT_DIR": env.get("ATTACHMENT_DIR", str(instance / "attachments")),
        "ATTACHMENT_MAX_BYTES": int(env.get("ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024))),
        "DISPUTE_WINDOW_DAYS": int(env.get("DISPUTE_WINDOW_DAYS", "180")),
        # How long an e-mailed invitation to the portal may be accepted.
        "INVITATION_LIFETIME_HOURS": int(env.get("INVITATION_LIFETIME_HOURS", "72")),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        "PDF_CACHE_DIR": env.get("PDF_CACHE_DIR", str(instance / "pdf")),
        "PROVIDER_NAME": env.get("PROVIDER_NAME", "Northwind Unified Communications"),
        "PROVIDER_ADDRESS": env.get(
            "PROVIDER_ADDRESS", "1700 Lincoln Street, Denver CO 80203, United States"
        ),
        # Printed on every document: the provider's VAT (or other tax) number, the
        # country it is established in (which decides the EU reverse-charge note), and its
        # logo, a file under static/.
        "PROVIDER_VAT_NUMBER": env.get("PROVIDER_VAT_NUMBER") or None,
        "PROVIDER_COUNTRY": env.get("PROVIDER_COUNTRY", "US").upper(),
        "PROVIDER_LOGO": env.get("PROVIDER_LOGO", "img/logo.svg"),
        # Where invoices in each currency are paid: JSON {currency: {field: value}}, the
        # fields of reports/payment_instructions.py. Examples in development; none is
        # printed in production until it is set.
        "REMIT_TO": _remit_to(env.get("REMIT_TO"), production),
        # Online payment; without a secret key the portal takes offline payments only.
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY"),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE"),
        "STRIPE_JS_URL": env.get("STRIPE_JS_URL"),
        # Rate limits on the sign-in forms: counters in this process by default; in
        # production with several workers, a shared store such as redis://host:6379/0.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,  # Retry-After on a 429
        # The CPNI disclosure log (docs/cpni.md): the chain's HMAC key, never stored in the
        # database; where the signed checkpoints go; who seals (inline: after each
        # request; worker: only the scheduled `flask audit seal`).
        "AUDIT_LOG_KEY": env.get("AUDIT_LOG_KEY"),
        "AUDIT_CHECKPOINT_DIR": env.get("AUDIT_CHECKPOINT_DIR",
                                        str(instance / "audit-checkpoints")),
        "AUDIT_SEALING": env.get("AUDIT_SEALING", "inline"),
        "AUDIT_UNSEALED_LIMIT_MINUTES": int(env.get("AUDIT_UNSEALED_LIMIT_MINUTES", "15")),
        # Background work (README, "Workers"): unset broker, the web process runs each
        # job in a thread of its own; set, Celery workers on that broker run them.
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL") or None,
        "CELERY_RESULT_BACKEND": env.get("CELERY_RESULT_BACKEND") or None,
        "CELERY_KEY_PREFIX": env.get("CELERY_KEY_PREFIX", ""),
        "CELERY_VISIBILITY_TIMEOUT": int(env.get("CELERY_VISIBILITY_TIMEOUT", "600")),
        "CELERY_TASK_TIME_LIMIT": int(env.get("CELERY_TASK_TIME_LIMIT", "540")),
        "CELERY_BEAT_SCHEDULE": dict(BEAT_SCHEDULE),
        # Accounts per slice of an invoice run's drafting: one worker task, one transaction.
        "INVOICE_RUN_SLICE_SIZE": int(env.get("INVOICE_RUN_SLICE_SIZE", "500")),
        # Statement batches (README, "Statement batches"): statements per worker task,
        # and where the batches' PDFs and ZIPs are kept (shared by web and workers).
        "STATEMENT_BATCH_SLICE_SIZE": int(env.get("STATEMENT_BATCH_SLICE_SIZE", "10")),
        "STATEMENT_BATCH_DIR": env.get("STATEMENT_BATCH_DIR",
                                       str(instance / "statement-batches")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "en_US",
        "BABEL_DEFAULT_TIMEZONE": "America/Denver",
    }
    settings.update(overrides or {})
    if not settings["SECRET_KEY"]:
        if settings["PORTAL_ENV"] == "production":
            raise ConfigError("SECRET_KEY must be set in production.")
        settings["SECRET_KEY"] = _instance_secret(instance)
    elif settings["PORTAL_ENV"] == "production" and len(settings["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters in production.")
    _audit_log_key(settings, instance)
    return settings


def _audit_log_key(settings: dict, instance: Path) -> None:
    if not settings["AUDIT_LOG_KEY"]:
        if settings["PORTAL_ENV"] == "production":
            raise ConfigError("AUDIT_LOG_KEY must be set in production.")
        settings["AUDIT_LOG_KEY"] = _instance_secret(instance, "audit_log_key")
    elif settings["PORTAL_ENV"] == "production" and len(settings["AUDIT_LOG_KEY"]) < 32:
        raise ConfigError("AUDIT_LOG_KEY must be at least 32 characters in production.")
