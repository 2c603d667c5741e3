"""Screenshots of the main pages for the README, remade by hand with `make screenshots`.

Builds a throwaway SQLite database with the deterministic demo data, serves the portal on
a free local port, signs in as a demo partner, customer and staff user in headless
Chromium, and saves PNGs under docs/screenshots/, plus the first page of a customer's
invoice PDF (rendered with pdftoppm from poppler-utils).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import threading
from pathlib import Path

import flask_migrate
import pyotp
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from portal import create_app
from portal.cli import demo
from portal.extensions import db
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, QuietHandler

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 860}
PARTNER = "channel.admin@partners.example"
CUSTOMER = "admin@customer.example"
STAFF = "supervisor@staff.example"


def build_app(folder: Path):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
        "SECRET_KEY": "screenshots-only-secret-key-0123456789abcdef",
        "PDF_CACHE_DIR": str(folder / "pdf"),
        "STATEMENT_BATCH_DIR": str(folder / "batches"),
        "AUDIT_LOG_KEY": "screenshots-only-audit-key-0123456789abcdef",
        "MAIL_BACKEND": "console",
    })
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed(db.session)
        db.session.commit()
    return app


def serve(app) -> str:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def sign_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    if page.locator("input[name=code]").count():
        page.locator("input[name=code]").fill(pyotp.TOTP(demo.STAFF_TOTP_SECRET).now())
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("networkidle")


def shoot(page, name: str) -> None:
    page.screenshot(path=OUT / f"{name}.png")
    print(f"  {OUT / name}.png  ({page.url})")


def open_first_invoice(page, list_url: str) -> None:
    page.goto(list_url)
    page.locator("table tbody a").first.click()
    page.wait_for_load_state("networkidle")


def pdf_first_page(page, name: str) -> None:
    pdf = page.request.get(page.url.rstrip("/") + "/pdf")
    assert pdf.ok, f"PDF download failed: {pdf.status}"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf.body())
        file.flush()
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile",
                        file.name, str(OUT / name)], check=True)
    print(f"  {OUT / name}.png  (invoice PDF, page 1)")


def take_all(base_url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for email, prefix, invoices in [(PARTNER, "partner", "/partner/invoices"),
                                        (CUSTOMER, "customer", "/customer/invoices"),
                                        (STAFF, "staff", None)]:
            context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en")
            page = context.new_page()
            sign_in(page, email)
            shoot(page, f"{prefix}-home")
            if invoices:
                open_first_invoice(page, invoices)
                shoot(page, f"{prefix}-invoice")
                if prefix == "customer":
                    pdf_first_page(page, "invoice-pdf")
            context.close()
        browser.close()


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        print("Seeding the demo data (about a minute)...")
        app = build_app(Path(folder))
        take_all(serve(app))


if __name__ == "__main__":
    main()
