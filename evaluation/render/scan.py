"""R8: scan every rendered artifact for personal identity and coordination numbers.

The HTML is scanned as written (text, attributes, inline SVG and JSON), once more
with character references decoded, and every base64 data URI is decoded and
scanned: PNG text chunks (tEXt, zTXt, iTXt), SVG and other textual payloads.
Messages never echo a number that was found.

The two text passes skip the base64 of data URIs that make up a whole ``src`` or
``href`` value: no reader sees those letters (the decoded payload is what is
shown or downloaded, and it is scanned), they are almost all of a report's
bytes, and a run of ten digits in random base64 could pass for a number.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import struct
import zlib
from pathlib import Path

from evaluation.exceptions import PrivacyError
from evaluation.idnumbers import find_identity_numbers

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DATA_URI = re.compile(
    r"data:([a-zA-Z0-9.+/-]+)((?:;[a-zA-Z0-9=.+-]+)*);base64,([A-Za-z0-9+/=\s]+)"
)
# The base64 of a data URI that is a whole quoted src/href value, up to the closing quote;
# a payload with anything else in it (spaces, entities) stays in the text passes.
_ATTRIBUTE_PAYLOAD = re.compile(
    r"""(\b(?:src|href)\s*=\s*(["'])data:[a-zA-Z0-9.+/-]+(?:;[a-zA-Z0-9=.+-]+)*;base64,)"""
    r"[A-Za-z0-9+/]+={0,2}(?=\2)"
)


def png_text_chunks(data: bytes) -> list[str]:
    """Keyword and text of every tEXt, zTXt and iTXt chunk of a PNG file."""
    if not data.startswith(_PNG_SIGNATURE):
        return []
    texts, pos = [], len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        try:
            if ctype == b"tEXt":
                key, _, text = body.partition(b"\0")
                texts.append(f"{key.decode('latin-1')} {text.decode('latin-1')}")
            elif ctype == b"zTXt":
                key, _, rest = body.partition(b"\0")
                texts.append(
                    f"{key.decode('latin-1')} {zlib.decompress(rest[1:]).decode('latin-1')}"
                )
            elif ctype == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed = rest[:1] == b"\1"
                _lang, _, rest = rest[2:].partition(b"\0")
                translated, _, text = rest.partition(b"\0")
                if compressed:
                    text = zlib.decompress(text)
                texts.append(
                    " ".join(part.decode("utf-8", "replace") for part in (key, translated, text))
                )
        except (zlib.error, UnicodeDecodeError):
            texts.append(body.decode("latin-1"))
        if ctype == b"IEND":
            break
    return texts


def _payload_texts(mime: str, payload: bytes) -> list[str]:
    if mime == "image/png":
        return png_text_chunks(payload)
    if mime.startswith("text/") or mime.endswith(("+xml", "/json", "+json", "/xml")):
        return [payload.decode("utf-8", "replace")]
    return []


def without_payloads(text: str) -> str:
    """``text`` with the base64 of every data URI that is a whole src/href value left out."""
    return _ATTRIBUTE_PAYLOAD.sub(r"\1", text)


def count_identity_numbers(text: str) -> int:
    """Number of identity-number hits in an HTML document and its embedded payloads."""
    hits = len(find_identity_numbers(without_payloads(text)))
    # The decoded page is scanned whole: a decoded reference can change what counts as a
    # payload (``&#49;src="data:…`` is no attribute once the "1" joins "src").
    unescaped = html.unescape(text)
    if unescaped != text:
        hits += len(find_identity_numbers(without_payloads(unescaped)))
    for match in _DATA_URI.finditer(unescaped):
        encoded = match.group(3)
        if not encoded.isascii():  # Unicode spaces: b64decode accepts ASCII only
            encoded = re.sub(r"\s+", "", encoded)
        try:  # non-validating decoding skips ASCII whitespace itself
            payload = base64.b64decode(encoded, validate=False)
        except (binascii.Error, ValueError):
            continue
        for chunk in _payload_texts(match.group(1).lower(), payload):
            hits += len(find_identity_numbers(chunk))
    return hits


def check_text(text: str, what: str) -> None:
    """Raise PrivacyError when ``text`` (HTML or notebook JSON) holds an identity number."""
    hits = count_identity_numbers(text)
    if hits:
        raise PrivacyError(
            f"{what} innehåller {hits} värde(n) som ser ut som person- eller "
            "samordningsnummer; inget publicerades"
        )


def check_png(data: bytes, what: str) -> None:
    """Raise PrivacyError when a PNG's text chunks hold an identity number."""
    if any(find_identity_numbers(text) for text in png_text_chunks(data)):
        raise PrivacyError(
            f"{what} har bildmetadata som ser ut som ett person- eller samordningsnummer; "
            "inget publicerades"
        )


def scan_file(path: Path) -> None:
    """Scan a written artifact; remove it and raise PrivacyError on a hit."""
    data = path.read_bytes()
    try:
        if data.startswith(_PNG_SIGNATURE):
            check_png(data, path.name)
        else:
            check_text(data.decode("utf-8", "replace"), path.name)
    except PrivacyError:
        path.unlink(missing_ok=True)
        raise
