"""Helpers for the user administration tests: sending an invitation through the users
page and reading its link from the mail the real SMTP server received."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

from tests.conftest import csrf_token

NEW_PASSWORD = "Copper-Harbour-Lantern-42"
LINK = re.compile(r"http://portal\.test(/auth/invitations/[A-Za-z0-9_\-]+)")


def readable(message) -> str:
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return f"{make_header(decode_header(message['Subject']))}\n{body}"


def mails_to(mailbox, address) -> list[str]:
    return [readable(m) for m in mailbox.messages if m["To"] == address]


def invite(client, audience: str, *, email: str, name: str = "Robin Invitee",
           role: str, **extra):
    page = f"/{audience}/users/"
    return client.post(f"/{audience}/users/invite", data={
        "csrf_token": csrf_token(client, page), "name": name, "email": email, "role": role,
        **extra})


def invitation_link(mailbox, address) -> str:
    """The path of the latest invitation sent to this address."""
    links = [LINK.search(text) for text in mails_to(mailbox, address)]
    links = [found.group(1) for found in links if found]
    assert links, f"no invitation reached {address}"
    return links[-1]


def accept(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(path, data={"csrf_token": csrf_token(client, "/auth/forgot"),
                                   "password": password, "confirm": confirm or password})


def post_action(client, audience: str, user_id: int, action: str, **data):
    page = f"/{audience}/users/"
    return client.post(f"/{audience}/users/{user_id}/{action}",
                       data={"csrf_token": csrf_token(client, page), **data})
