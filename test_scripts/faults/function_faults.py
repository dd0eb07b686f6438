"""Bad input for the `process_invoice` function: the catalogue, the servers it runs against, a runner.

Every case is a request a careless or hostile client could send, with the status the HTTP contract
(docs/function.md) gives it. A case fails when the answer differs, and counts as a *hang* when no
answer comes within its limit. Used by `test_scripts/faults/test_function_faults.py` (CI subset)
and `bench/faults/run_function_faults.py` (everything, with figures).

The function processes run with `guard/` first on PYTHONPATH: only loopback can be reached, names
resolve only from a fixed table, and any attempt to connect elsewhere is logged (and counted).
"""

from __future__ import annotations

import io
import json
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2 as pdfium
from flask import Flask, Response, redirect, request

from test_scripts.function.invoices import GOLDEN_PDF, small_invoice
from test_scripts.function.servers import FunctionProcess, ThreadedApp

GUARD = Path(__file__).resolve().parent / "guard"
MAX_UPLOAD = 1_500_000
BODY_TIMEOUT = 2.0
FETCH_TIMEOUT = 2.0
BUDGET = 4.0
#: Names the guarded resolver knows (a public-looking name that points inside, and a good one).
HOSTS = {
    "files.internal.example": "10.0.0.5",
    "metadata-alias.example": "169.254.169.254",
    "v6-alias.example": "2002:a9fe:a9fe::1",
    "loopback-alias.example": "127.0.0.1",
}


# ------------------------------------------------------------------------------ the servers


def _drip_app(pdf: bytes) -> Flask:
    """A file server that misbehaves on purpose (and serves one good invoice)."""
    app = Flask("fault_files")

    @app.get("/invoice.pdf")
    def invoice():
        return Response(pdf, mimetype="application/pdf")

    @app.get("/drip")
    def drip():  # 1 KB a second, for far longer than any deadline
        def chunks():
            yield b"%PDF-1.4\n"
            for _ in range(120):
                time.sleep(1)
                yield b"0" * 1024

        return Response(chunks(), mimetype="application/pdf")

    @app.get("/stall")
    def stall():  # no headers for a minute
        time.sleep(60)
        return Response(b"%PDF-1.4", mimetype="application/pdf")

    @app.get("/endless")
    def endless():
        return Response((b"%PDF" + b"0" * 65_532 for _ in range(10_000)), mimetype="application/pdf")

    @app.get("/to")
    def to():
        return redirect(request.args["u"], 302)

    @app.get("/loop")
    def loop():
        return redirect("/loop", 302)

    @app.get("/html")
    def html():
        return Response(b"<html><body>login</body></html>", mimetype="text/html")

    @app.get("/empty")
    def empty():
        return Response(b"", mimetype="application/pdf")

    @app.get("/gone")
    def gone():
        return "gone", 410

    return app


@dataclass
class Targets:
    """What the cases talk to: two function instances and a file server, all on loopback."""

    open: FunctionProcess  # ALLOW_LOOPBACK_URLS=1 (as on localcloud): reaches the file server
    strict: FunctionProcess  # production address policy: no loopback either
    files: str
    guard_log: Path
    pdf: bytes = field(repr=False)
    golden: bytes = field(repr=False)


def _function_env(work: Path, allow_loopback: bool, budget: float = BUDGET) -> dict[str, str]:
    return {
        "PYTHONPATH": f"{GUARD}{os.pathsep}{Path(__file__).resolve().parents[2]}",
        "FAULTS_GUARD_LOG": str(work.parent / "guard.log"),
        "FAULTS_HOSTS": ",".join(f"{k}={v}" for k, v in HOSTS.items()),
        "INVOICE_SQLITE_PATH": str(work / "rows.sqlite3"),
        "ALLOW_LOOPBACK_URLS": "1" if allow_loopback else "0",
        "MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
        "REQUEST_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        "FILE_URL_TIMEOUT_SECONDS": str(FETCH_TIMEOUT),
        "PROCESSING_BUDGET_SECONDS": str(budget),
    }


@contextmanager
def targets(work: Path) -> Iterator[Targets]:
    work.mkdir(parents=True, exist_ok=True)
    pdf = small_invoice().pdf
    with ExitStack() as stack:
        files = stack.enter_context(ThreadedApp(_drip_app(pdf)))
        open_ = stack.enter_context(FunctionProcess(work / "open", _function_env(work / "open", True)))
        strict = stack.enter_context(FunctionProcess(work / "strict", _function_env(work / "strict", False)))
        yield Targets(open_, strict, files.url, work / "guard.log", pdf, GOLDEN_PDF.read_bytes())


# ------------------------------------------------------------------------------ raw HTTP


def _status(sock: socket.socket, deadline: float) -> int | None:
    """The final status code of the answer (interim 1xx skipped), or None when none arrives in time."""
    data = b""
    while True:
        final = _final(data)
        if b"\r\n" in final:
            return _parse_status(final)
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            return None
        except OSError:
            chunk = b""
        if not chunk:
            return _parse_status(final) if final else None
        data += chunk


def _final(data: bytes) -> bytes:
    while data.startswith(b"HTTP/1.1 1") and b"\r\n\r\n" in data:  # interim answer: the final one follows
        data = data.split(b"\r\n\r\n", 1)[1]
    return b"" if data.startswith(b"HTTP/1.1 1") else data


def _parse_status(data: bytes) -> int | None:
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


def exchange(url: str, head: bytes, body: bytes | Iterator[bytes] = b"", limit: float = 10.0) -> int | None:
    """Send a raw request (head without the blank line; body bytes or pieces) and read the status.

    A server may answer before the body is all sent (413, 408): sending stops when it closes."""
    parts = urlsplit(url)
    deadline = time.monotonic() + limit
    with socket.create_connection((parts.hostname, parts.port), timeout=limit) as sock:
        try:
            sock.sendall(head + b"\r\n\r\n")
            for piece in [body] if isinstance(body, bytes) else body:
                if time.monotonic() > deadline or select.select([sock], [], [], 0)[0]:
                    break  # out of time, or the server has answered (or closed) already
                sock.sendall(piece)
        except OSError:
            pass  # the server stopped reading: its answer (if any) is waiting
        return _status(sock, deadline)


def post(url: str, body: bytes, content_type: str | None, extra: str = "", limit: float = 10.0) -> int | None:
    head = f"POST / HTTP/1.1\r\nHost: fn\r\nContent-Length: {len(body)}"
    if content_type is not None:
        head += f"\r\nContent-Type: {content_type}"
    return exchange(url, (head + extra).encode("latin-1"), body, limit)


def multipart(parts: list[tuple[bytes, bytes]], boundary: bytes = b"fault-boundary") -> bytes:
    """Raw multipart body from (part headers, content) pairs: headers are bytes, in any encoding."""
    out = b""
    for headers, content in parts:
        out += b"--" + boundary + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def file_part(content: bytes, filename: bytes = b"invoice.pdf", name: bytes = b"invoice_file") -> tuple:
    disposition = b'Content-Disposition: form-data; name="' + name + b'"; filename="' + filename + b'"'
    return (disposition + b"\r\nContent-Type: application/pdf", content)


MULTIPART = "multipart/form-data; boundary=fault-boundary"


# ------------------------------------------------------------------------------ documents


def _pdf_with_pages(count: int) -> bytes:
    pdf = pdfium.PdfDocument.new()
    for _ in range(count):
        pdf.new_page(612, 792)
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


ZERO_PAGES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
#: A standard-security-handler dictionary whose keys match no password: pdfium cannot open it.
ENCRYPTED = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"4 0 obj<</Filter/Standard/V 1/R 2/O<" + b"41" * 32 + b">/U<" + b"42" * 32 + b">/P -4>>endobj\n"
    b"trailer<</Root 1 0 R/Encrypt 4 0 R/ID[<00112233445566778899aabbccddeeff><00112233445566778899aabbccddeeff>]>>\n"
    b"%%EOF\n"
)


def _nested(depth: int, inner: str = "1") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


def _digit_run_document(length: int) -> bytes:
    """A Creative Co-op invoice's text with one line holding a run of digits: quadratic in a
    totals regex the extractor used (issue 14 item 13); now read in linear time, as a document."""
    text = (GOLDEN_PDF.parent / "cc-one-page-invoice.docai.json").read_text(encoding="utf-8")
    base = json.loads(text)["text"]
    return json.dumps({"text": base + "\nSubtotal " + "1" * length + "\n"}).encode()


def _json(payload: object) -> bytes:
    return json.dumps(payload).encode()


# ------------------------------------------------------------------------------ the catalogue

Send = Callable[[Targets], "int | None"]


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    expect: frozenset[int]
    send: Send = field(repr=False)
    #: Slower than this (seconds) is a hang.
    limit: float = 10.0
    #: In the CI subset (test_scripts/faults); everything runs in the bench.
    ci: bool = True


CASES: list[Case] = []


def case(name: str, group: str, expect: int | set[int], *, limit: float = 10.0, ci: bool = True):
    def add(send: Send) -> Send:
        codes = frozenset({expect} if isinstance(expect, int) else expect)
        CASES.append(Case(name, group, codes, send, limit, ci))
        return send

    return add


def _add_body_cases() -> None:
    """Bodies that are not what they claim, or not an invoice."""
    json_bodies: list[tuple[str, bytes, int]] = [
        ("json-empty-body", b"", 400),
        ("json-open-brace", b"{", 400),
        ("json-unterminated-string", b'{"file_url": "https://x', 400),
        ("json-trailing-garbage", b'{"text": "a"} trailing', 400),
        ("json-not-utf8", b'{"text": "\xff\xfe\xfd"}', 400),
        ("json-array", b"[1, 2, 3]", 400),
        ("json-string", b'"just a string"', 400),
        ("json-number", b"12345", 400),
        ("json-null", b"null", 400),
        ("json-nan-text", b'{"text": NaN}', 422),
        ("json-empty-object", b"{}", 400),
        ("json-unknown-keys", b'{"invoice": "CS003837319"}', 400),
        ("json-file-url-number", b'{"file_url": 42}', 400),
        ("json-file-url-list", b'{"file_url": ["https://a/b.pdf"]}', 400),
        ("json-file-url-empty", b'{"file_url": "   "}', 400),
        ("json-text-not-string", b'{"text": 12}', 422),
        ("json-pages-not-list", b'{"text": "abc", "pages": "nope"}', 422),
        ("json-pages-of-garbage", b'{"text": "abc", "pages": [1, "x", null]}', 422),
        (
            "json-anchor-out-of-range",
            _json(
                {
                    "text": "abc",
                    "pages": [
                        {
                            "layout": {
                                "textAnchor": {
                                    "textSegments": [{"startIndex": "-5", "endIndex": "99999999999"}]
                                }
                            }
                        }
                    ],
                }
            ),
            422,
        ),  # fmt: skip
        ("json-layout-only", _json({"documentLayout": {"blocks": []}}), 422),
        ("json-deep-1000", _nested(1000), 400),
        ("json-deep-100000", _nested(100_000), 400),
        ("json-deep-objects", ('{"a":' * 5000 + "1" + "}" * 5000).encode(), 400),
        ("json-deep-inside-document", _json({"text": "x", "pages": json.loads(_nested(80))}), 400),
        ("json-brackets-in-strings-are-fine", _json({"text": "[" * 5000}), 422),
        ("json-text-only-digits-200k", _json({"text": "1" * 200_000}), 422),
        ("json-text-numbers-spaced", _json({"text": " ".join(str(i) for i in range(100_000))}), 422),
    ]
    for name, body, status in json_bodies:
        case(name, "malformed or deep JSON", status)(
            lambda t, b=body: post(t.open.url, b, "application/json")
        )

    case("json-400k-empty-pages", "malformed or deep JSON", 422, limit=BUDGET + 8, ci=False)(
        lambda t: post(
            t.open.url, b'{"text": "x", "pages": [' + b"{}," * 400_000 + b"{}]}", "application/json"
        )
    )
    case("json-over-cap", "oversize", 413)(
        lambda t: post(t.open.url, b'{"text": "' + b"1" * (MAX_UPLOAD + 10) + b'"}', "application/json")
    )
    # Once quadratic (minutes): now linear, so it is read as the invoice it is, well inside the budget.
    case("json-digit-run-linear", "processing budget", 200, limit=BUDGET + 8)(
        lambda t: post(t.open.url, _digit_run_document(60_000), "application/json", limit=BUDGET + 8)
    )
    case("upload-digit-run-linear", "processing budget", 200, limit=BUDGET + 8, ci=False)(
        lambda t: post(
            t.open.url,
            multipart([file_part(_digit_run_document(60_000), b"doc.json")]),
            MULTIPART,
            limit=BUDGET + 8,
        )
    )

    content_types: list[tuple[str, bytes, str | None, int]] = [
        ("ctype-text-plain", b"hello", "text/plain", 415),
        ("ctype-png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", 415),
        ("ctype-xml", b"<invoice/>", "application/xml", 415),
        ("ctype-garbage", b"hello", ";;;===", 415),
        ("ctype-none-random-bytes", os.urandom(2048), None, 415),
        ("ctype-octet-stream-zip", b"PK\x03\x04" + os.urandom(512), "application/octet-stream", 415),
        ("ctype-pdf-but-html", b"<html>not a pdf</html>", "application/pdf", 415),
        ("ctype-json-latin1-charset", '{"text": "café"}'.encode("latin-1"), "application/json; charset=latin-1", 400),
        ("ctype-form-without-url", b"a=1&b=2", "application/x-www-form-urlencoded", 400),
        ("ctype-form-not-utf8", b"file_url=\xff\xfe", "application/x-www-form-urlencoded", 400),
        ("ctype-form-many-fields", b"&".join(b"f%d=1" % i for i in range(5000)), "application/x-www-form-urlencoded", 400),
        ("ctype-empty-pdf-body", b"", "application/pdf", 400),
        ("ctype-whitespace-body", b"   \n\t  ", "application/octet-stream", 422),  # as an empty upload
    ]  # fmt: skip
    for name, body, ctype, status in content_types:
        case(name, "wrong content type", status)(lambda t, b=body, c=ctype: post(t.open.url, b, c))


def _add_pdf_cases() -> None:
    def upload(content: bytes, filename: bytes = b"invoice.pdf") -> Send:
        return lambda t: post(t.open.url, multipart([file_part(content, filename)]), MULTIPART)

    case("pdf-zero-pages", "damaged PDF", 422)(upload(ZERO_PAGES))
    case("pdf-encrypted", "damaged PDF", 422)(upload(ENCRYPTED))
    case("pdf-header-only", "damaged PDF", 422)(upload(b"%PDF-1.7\n"))
    case("pdf-header-and-eof", "damaged PDF", 422)(upload(b"%PDF-1.7\n%%EOF\n"))
    case("pdf-blank-page", "damaged PDF", 422)(upload(_pdf_with_pages(1)))
    case("pdf-too-many-pages", "damaged PDF", 422)(upload(_pdf_with_pages(201)))
    case("pdf-garbage-after-header", "damaged PDF", 422)(upload(b"%PDF-1.4\n" + os.urandom(4096)))
    case("pdf-truncated-half", "damaged PDF", {200, 422})(lambda t: post(
        t.open.url, multipart([file_part(t.pdf[: len(t.pdf) // 2])]), MULTIPART))  # fmt: skip
    case("pdf-truncated-1k", "damaged PDF", 422)(lambda t: post(
        t.open.url, multipart([file_part(t.pdf[:1024])]), MULTIPART))  # fmt: skip
    case("pdf-xref-scrambled", "damaged PDF", {200, 422})(lambda t: post(
        t.open.url, multipart([file_part(t.pdf.replace(b"xref", b"xrex"))]), MULTIPART))  # fmt: skip
    case("pdf-raw-body-zero-pages", "damaged PDF", 422)(
        lambda t: post(t.open.url, ZERO_PAGES, "application/pdf")
    )
    case("pdf-raw-body-encrypted", "damaged PDF", 422)(lambda t: post(t.open.url, ENCRYPTED, None))

    non_pdf = [
        ("upload-random-bytes", os.urandom(4096), 415),
        ("upload-png", b"\x89PNG\r\n\x1a\n" + os.urandom(256), 415),
        ("upload-zip", b"PK\x03\x04" + os.urandom(256), 415),
        ("upload-empty-file", b"", 422),
        ("upload-whitespace", b" \n \n", 422),
        ("upload-html", b"<!doctype html><title>Sign in</title>", 415),
        ("upload-json-garbage", b"{not json", 400),
        ("upload-json-deep", _nested(1000), 400),
        ("upload-json-layout-only", _json({"documentLayout": {"blocks": []}}), 422),
        ("upload-json-no-document", b'{"hello": "world"}', 400),
    ]
    for name, content, status in non_pdf:
        case(name, "non-PDF bytes", status)(upload(content))


def _add_multipart_cases() -> None:
    def raw(body: bytes, ctype: str = MULTIPART) -> Send:
        return lambda t: post(t.open.url, body, ctype)

    good = b"%PDF-1.4 placeholder"
    case("mp-no-boundary-param", "bad multipart", 400)(
        raw(multipart([file_part(good)]), "multipart/form-data")
    )
    case("mp-boundary-mismatch", "bad multipart", 400)(raw(multipart([file_part(good)], b"other")))
    case("mp-no-closing-boundary", "bad multipart", 400)(raw(multipart([file_part(good)])[:-20]))
    case("mp-only-preamble", "bad multipart", 400)(raw(b"just some text, no parts at all"))
    case("mp-missing-disposition", "bad multipart", 400)(
        raw(multipart([(b"Content-Type: application/pdf", good)]))
    )
    case("mp-headers-never-end", "bad multipart", 400)(
        raw(b"--fault-boundary\r\nContent-Disposition: form-data")
    )
    case("mp-wrong-field", "bad multipart", 400)(raw(multipart([file_part(good, name=b"attachment")])))
    case("mp-no-file-no-url", "bad multipart", 400)(
        raw(multipart([(b'Content-Disposition: form-data; name="note"', b"hi")]))
    )
    case("mp-empty-body", "bad multipart", 400)(raw(b""))
    case("mp-thousand-parts", "bad multipart", 400)(raw(multipart(
        [(b'Content-Disposition: form-data; name="f%d"' % i, b"x") for i in range(1000)])))  # fmt: skip
    case("mp-boundary-300-chars", "bad multipart", 400)(
        raw(multipart([file_part(good)], b"b" * 300), "multipart/form-data; boundary=" + "b" * 300)
    )
    case("mp-url-not-utf8", "bad multipart", 400)(
        raw(multipart([(b'Content-Disposition: form-data; name="file_url"', b"https://\xff\xfe/a.pdf")]))
    )
    case("mp-over-cap", "oversize", 413)(raw(multipart([file_part(b"%PDF" + b"0" * (MAX_UPLOAD + 70_000))])))

    names = [
        ("name-latin1", "Rechnung-März-é.pdf".encode("latin-1")),
        ("name-shift-jis", "請求書.pdf".encode("shift_jis")),
        ("name-utf8-emoji", "invoice-🧾.pdf".encode()),
        ("name-path-traversal", b"../../../../etc/passwd"),
        ("name-2k-long", b"a" * 2048 + b".pdf"),
        ("name-empty", b""),
        ("name-quote-and-semicolon", b'in"vo;ice.pdf'),
        ("name-windows-path", b"C:\\Users\\x\\invoice.pdf"),
    ]
    for name, filename in names:
        case(name, "odd file names", 200)(lambda t, f=filename: post(
            t.open.url, multipart([file_part(t.pdf, f)]), MULTIPART, "\r\nX-Invoice-Dry-Run: 1"))  # fmt: skip
    case("name-rfc2231", "odd file names", 200)(lambda t: post(t.open.url, multipart([(
        b"Content-Disposition: form-data; name=\"invoice_file\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82.pdf",
        t.pdf)]), MULTIPART, "\r\nX-Invoice-Dry-Run: 1"))  # fmt: skip
    case("name-none-plain-field", "odd file names", 200)(lambda t: post(t.open.url, multipart([(
        b'Content-Disposition: form-data; name="invoice_file"', t.pdf)]), MULTIPART, "\r\nX-Invoice-Dry-Run: 1"))  # fmt: skip


def _url(target: str, url: str, limit: float = 10.0) -> Send:
    return lambda t: post(getattr(t, target).url, _json({"file_url": url}), "application/json", limit=limit)


def _add_url_cases() -> None:
    forms = [
        ("url-ftp", "ftp://files.example.com/a.pdf"),
        ("url-file-scheme", "file:///etc/passwd"),
        ("url-javascript", "javascript:alert(1)"),
        ("url-http-public", "http://93.184.216.34/a.pdf"),
        ("url-no-host", "https:///a.pdf"),
        ("url-bad-port", "https://files.example.com:99999/a.pdf"),
        ("url-bracket-unclosed", "https://[::1/a.pdf"),
        ("url-userinfo", "https://user:pw@93.184.216.34/a.pdf"),
        ("url-newline", "https://files.example.com/a.pdf\r\nHost: evil"),
        ("url-10k-long", "https://files.example.com/" + "a" * 10_000),
        ("url-unknown-host", "https://no-such-host.invalid/a.pdf"),
        ("url-idn-host", "https://bücher.example/a.pdf"),
        ("url-relative", "/a.pdf"),
        ("url-metadata-name", "http://metadata.google.internal/computeMetadata/v1/"),
        ("url-metadata-https", "https://metadata.google.internal/computeMetadata/v1/"),
    ]
    for name, url in forms:
        case(name, "bad file_url forms", 400)(_url("strict", url))

    private = [
        "127.0.0.1", "127.1", "0x7f000001", "2130706433", "0177.0.0.1", "10.0.0.1", "172.16.0.1",
        "192.168.1.1", "169.254.169.254", "2852039166", "0xa9fea9fe", "169.254.43518", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "[::1]", "[::]", "[::ffff:169.254.169.254]",
        "[::ffff:7f00:1]", "[::a9fe:a9fe]", "[2002:a9fe:a9fe::1]", "[2002:7f00:1::1]", "[2002:0a00:0001::1]",
        "[64:ff9b::a9fe:a9fe]", "[64:ff9b::7f00:1]", "[64:ff9b:1::a9fe:a9fe]",
        "[2001:0:4136:e378:8000:63bf:5601:5601]", "[2001:0:a9fe:a9fe:8000:63bf:a2d3:a2d3]",
        "[fe80::1]", "[fc00::1]", "[fec0::1]", "[ff02::1]", "[2600::5efe:a9fe:a9fe]",
        "files.internal.example", "metadata-alias.example", "v6-alias.example", "loopback-alias.example",
    ]  # fmt: skip
    for host in private:
        case(f"private-{host.strip('[]')}", "private addresses", 400)(_url("strict", f"https://{host}/a.pdf"))

    redirects = [
        "http://169.254.169.254/computeMetadata/v1/",
        "https://[2002:a9fe:a9fe::1]/",
        "https://10.0.0.1/a.pdf",
        "https://[::ffff:169.254.169.254]/",
        "https://metadata-alias.example/",
        "ftp://files.example.com/a.pdf",
    ]
    for target in redirects:
        case(f"redirect-to-{urlsplit(target).hostname}", "redirects to private addresses", 400)(
            lambda t, u=target: post(
                t.open.url, _json({"file_url": f"{t.files}/to?u={u}"}), "application/json"
            )
        )
    case("redirect-loop", "redirects to private addresses", 400)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/loop"}), "application/json"))  # fmt: skip
    case("url-served-html", "bad file_url forms", 415)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/html"}), "application/json"))  # fmt: skip
    case("url-served-empty", "bad file_url forms", 422)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/empty"}), "application/json"))  # fmt: skip
    case("url-410", "bad file_url forms", 400)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/gone"}), "application/json"))  # fmt: skip
    case("url-endless", "oversize", 413)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/endless"}), "application/json"))  # fmt: skip
    # The file server is at fault, not the caller: 502 is the contract (retry later), within the deadline.
    case("download-drip-1kb-s", "slow downloads", 502, limit=FETCH_TIMEOUT + 3)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/drip"}), "application/json", limit=FETCH_TIMEOUT + 3))  # fmt: skip
    case("download-no-headers", "slow downloads", 502, limit=FETCH_TIMEOUT + 3, ci=False)(lambda t: post(
        t.open.url, _json({"file_url": f"{t.files}/stall"}), "application/json", limit=FETCH_TIMEOUT + 3))  # fmt: skip


def _trickle(every: float, until: threading.Event | None = None) -> Iterator[bytes]:
    """A declared body sent a byte at a time (or nothing at all: b"" keeps the pace)."""
    yield b"%PDF"
    while until is None or not until.is_set():
        time.sleep(every)
        yield b"0"


def _chunked(total: int, size: int = 65_536) -> Iterator[bytes]:
    piece = b"%x\r\n" % size + b"0" * size + b"\r\n"
    for _ in range(total // size):
        yield piece
    yield b"0\r\n\r\n"


def chunked_upload(url: str, total: int) -> int | None:
    head = b"POST / HTTP/1.1\r\nHost: fn\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked"
    return exchange(url, head, _chunked(total), limit=10)


def _health_while_trickling(t: Targets, clients: int = 12) -> int | None:
    """`clients` connections trickle a declared body; a health check must still be answered."""
    stop = threading.Event()

    def hold() -> None:
        head = b"POST / HTTP/1.1\r\nHost: fn\r\nContent-Type: application/pdf\r\nContent-Length: 100000"
        exchange(t.open.url, head, _trickle(0.2, stop), limit=BODY_TIMEOUT + 4)

    holders = [threading.Thread(target=hold, daemon=True) for _ in range(clients)]
    for holder in holders:
        holder.start()
    time.sleep(0.5)
    status = exchange(t.open.url, b"GET / HTTP/1.1\r\nHost: fn", limit=3)
    stop.set()
    for holder in holders:
        holder.join(BODY_TIMEOUT + 5)
    return status


def _add_transport_cases() -> None:
    pdf_head = b"POST / HTTP/1.1\r\nHost: fn\r\nContent-Type: application/pdf"
    case("slow-body-trickle", "slow bodies", 408, limit=BODY_TIMEOUT + 3)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nContent-Length: 5000", _trickle(0.3), BODY_TIMEOUT + 3))  # fmt: skip
    case("slow-body-headers-only", "slow bodies", 408, limit=BODY_TIMEOUT + 3, ci=False)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nContent-Length: 5000", (b"" for _ in _trickle(0.5)), BODY_TIMEOUT + 3))  # fmt: skip
    case("slow-bodies-health-still-answers", "slow bodies", 200, limit=BODY_TIMEOUT + 6)(
        _health_while_trickling
    )
    case("declared-length-over-cap", "oversize", 413, limit=2)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nContent-Length: 600000000", b"", limit=2))  # fmt: skip
    case("declared-over-cap-expect-continue", "oversize", 413, limit=2)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nContent-Length: 600000000\r\nExpect: 100-continue", b"", limit=2))  # fmt: skip
    case("chunked-600mb", "oversize", 413, limit=10)(lambda t: chunked_upload(t.open.url, 600_000_000))
    case("chunked-bad-size-line", "bad transport", 400)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nTransfer-Encoding: chunked", b"zz\r\n%PDF\r\n0\r\n\r\n"))  # fmt: skip
    case("body-shorter-than-declared", "bad transport", {400, 408}, limit=BODY_TIMEOUT + 3)(
        lambda t: _short_body(t)
    )
    case("negative-content-length", "bad transport", 400)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nContent-Length: -5", b"%PDF-"))  # fmt: skip
    case("two-content-lengths", "bad transport", 400)(lambda t: exchange(
        t.open.url, pdf_head + b"\r\nContent-Length: 4\r\nContent-Length: 9", b"%PDF-1.4\n"))  # fmt: skip
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        case(f"method-{method.lower()}", "wrong method", 405)(lambda t, m=method: exchange(
            t.open.url, f"{m} / HTTP/1.1\r\nHost: fn\r\nContent-Length: 0".encode()))  # fmt: skip


def _short_body(t: Targets) -> int | None:
    """Declares 5000 bytes, sends 10, then closes its sending side."""
    parts = urlsplit(t.open.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=BODY_TIMEOUT + 3) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: fn\r\nContent-Type: application/pdf\r\nContent-Length: 5000\r\n\r\n%PDF-1.4\n"
        )
        sock.shutdown(socket.SHUT_WR)
        return _status(sock, time.monotonic() + BODY_TIMEOUT + 3)


_add_body_cases()
_add_pdf_cases()
_add_multipart_cases()
_add_url_cases()
_add_transport_cases()


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: int | None
    seconds: float

    @property
    def hang(self) -> bool:
        return self.status is None or self.seconds > self.case.limit

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500 and self.status not in self.case.expect

    @property
    def ok(self) -> bool:
        return not self.hang and self.status in self.case.expect


def run_case(one: Case, t: Targets) -> Outcome:
    started = time.monotonic()
    try:
        status = one.send(t)
    except OSError:
        status = None
    return Outcome(one, status, round(time.monotonic() - started, 2))


def worker_peak_kib(function: FunctionProcess) -> int:
    """VmHWM of the gunicorn worker (the master's child) that serves the requests."""
    assert function.process is not None
    children = Path(f"/proc/{function.process.pid}/task/{function.process.pid}/children").read_text().split()
    for line in Path(f"/proc/{children[0]}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM for the worker")


def guard_attempts(t: Targets) -> list[str]:
    """Connections the function tried to open to anything but loopback (the guard refused them)."""
    return t.guard_log.read_text().splitlines() if t.guard_log.exists() else []
