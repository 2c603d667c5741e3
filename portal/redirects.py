"""Where the portal may send a browser back to: paths on this site, nothing else."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_local_path(target: str | None, prefix: str = "/") -> bool:
    """A plain path under `prefix`: no scheme, host, backslash, whitespace or control bytes.

    Browsers treat "//host", "/\\host" and paths with tabs or newlines stripped out as
    other sites, so anything unusual is refused rather than cleaned.
    """
    if not target or any(ch.isspace() or ord(ch) < 32 or ch in "\\\x7f" for ch in target):
        return False
    parts = urlsplit(target)
    return (not parts.scheme and not parts.netloc and target.startswith(prefix)
            and not target.startswith("//"))
