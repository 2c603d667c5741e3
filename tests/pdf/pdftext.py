"""Open a PDF the portal served and read its text, as a person opening the file would."""

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    assert data[:5] == b"%PDF-", "not a PDF"
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)
