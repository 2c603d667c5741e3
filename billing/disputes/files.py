"""Files sent with a dispute: checked by their content, not their name, and kept in a
private folder under a random name (never under static/, never by the sender's name).

A file is accepted when its extension, its declared type and its first bytes agree:
a ".pdf" that does not start like a PDF is refused, whatever the browser claims.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.disputes.models import Dispute, DisputeAttachment, DisputeEvent
from billing.parties.users import User

# extension -> (stored content type, check of the content)
KINDS = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "csv": "text/csv",
}
MAX_FILES = 5
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def _looks_like(content_type: str, head: bytes) -> bool:
    if content_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    return _plain_text(head)


def _plain_text(head: bytes) -> bool:
    """A CSV is text: UTF-8 (a cut multi-byte character at the end is fine), no NULs."""
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start >= len(head) - 3
    return True


def safe_name(filename: str) -> str:
    """The sender's file name, reduced to something harmless to show and to offer back."""
    name = unicodedata.normalize("NFKC", os.path.basename((filename or "").replace("\\", "/")))
    name = re.sub(r"[^\w.\- ]+", "_", name).strip(" .")
    return name[-120:] or "file"


def check_file(filename: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The content type of an acceptable file; InvalidInput saying what is wrong."""
    name = safe_name(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = KINDS.get(extension)
    if content_type is None:
        raise InvalidInput(f"{name}: only PDF, PNG, JPEG and CSV files can be attached.")
    if not data:
        raise InvalidInput(f"{name}: the file is empty.")
    if len(data) > max_bytes:
        raise InvalidInput(f"{name}: the file is larger than {max_bytes // (1024 * 1024)} MB.")
    if not _looks_like(content_type, data[:4096]):
        raise InvalidInput(f"{name}: the file's content is not a {extension.upper()} file.")
    return content_type


def store(session: Session, *, dispute: Dispute, user: User, files: list[tuple[str, bytes]],
          folder: str | Path, now: datetime, event: DisputeEvent | None = None,
          max_bytes: int = DEFAULT_MAX_BYTES) -> list[DisputeAttachment]:
    """Check every file first, then write them all; one bad file and none is kept."""
    if len(dispute.attachments) + len(files) > MAX_FILES:
        raise InvalidInput(f"A dispute holds at most {MAX_FILES} files.")
    checked = [(safe_name(name), check_file(name, data, max_bytes), data)
               for name, data in files]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    saved = []
    for name, content_type, data in checked:
        key = secrets.token_hex(16)
        (folder / key).write_bytes(data)
        saved.append(DisputeAttachment(
            dispute=dispute, event_id=event.id if event else None, filename=name,
            content_type=content_type, size=len(data), storage_key=key,
            sha256=hashlib.sha256(data).hexdigest(), uploaded_by=user, uploaded_at=now))
    session.add_all(saved)  # setting the many-to-one side alone does not add them
    session.flush()
    return saved


def path_of(attachment: DisputeAttachment, folder: str | Path) -> Path:
    """Where the file's bytes are; the key is ours (hex), so it cannot leave the folder."""
    if not re.fullmatch(r"[0-9a-f]{32}", attachment.storage_key):
        raise InvalidInput("This attachment's storage key is not valid.")
    return Path(folder) / attachment.storage_key
