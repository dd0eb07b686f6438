"""What a secret looks like, and where one has leaked.

Config refuses secret-looking names and values under `env_vars` (they belong in Secret Manager and
reach the function as references); the fault suite scans state directories for values that must
never have been written there.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

#: *_KEY, *TOKEN*, *SECRET*, *PASSWORD* and their kin: names people give to credentials.
_SECRET_NAME = re.compile(r"(^|_)(API_?)?KEY$|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_?KEY", re.I)
#: prefixes of well-known credential formats (Google API key, OpenAI, GitHub, Slack, AWS, GitLab,
#: Google OAuth access token, PEM private keys, JWTs)
_KNOWN_PREFIXES = re.compile(
    r"AIza[0-9A-Za-z_-]{10,}|sk-[A-Za-z0-9_-]{10,}|sk_live_|rk_live_|gh[pousr]_[A-Za-z0-9]{10,}|github_pat_"
    r"|xox[abposr]-|AKIA[0-9A-Z]{12,}|ASIA[0-9A-Z]{12,}|glpat-|ya29\.|-----BEGIN [A-Z ]*PRIVATE KEY"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}"
)
#: random-looking runs: long enough, mixed character classes, many distinct symbols
_MIN_RANDOM_LENGTH = 24
_MIN_ENTROPY_BITS = 4.0
_PIECES = re.compile(r"[^\s/:?&=@,;]+")


def shannon_entropy(text: str) -> float:
    """Bits per character of `text` (a random base64 string: about 5.5-6; English words: under 4)."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def secret_value_reason(value: str, *, identifier: bool = False) -> str | None:
    """Why `value` looks like a credential, or None. An `identifier` (a *_ID setting such as a
    spreadsheet id: 44 random characters by design) is judged by known credential prefixes only."""
    if _KNOWN_PREFIXES.search(value):
        return "it has the prefix of a known credential format"
    if identifier:
        return None
    for piece in _PIECES.findall(value):
        classes = sum(bool(re.search(p, piece)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
        if len(piece) >= _MIN_RANDOM_LENGTH and classes >= 3 and shannon_entropy(piece) >= _MIN_ENTROPY_BITS:
            return f"it holds a random-looking run of {len(piece)} characters (high entropy)"
    return None


def files_containing(roots: Iterable[Path], values: Iterable[str], skip: Iterable[Path] = ()) -> list[str]:
    """Every file under `roots` (not in `skip`) holding any of `values` (as UTF-8 bytes):
    `path: name of the value` lines, for the fault suite's "secrets found in state" figure."""
    needles = {value.encode(): value for value in values if value}
    skipped = {Path(p).resolve() for p in skip}
    found = []
    for root in roots:
        if not Path(root).is_dir():
            continue
        for path in sorted(Path(root).rglob("*")):
            if not path.is_file() or path.is_symlink() or path.resolve() in skipped:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            found += [f"{path}: {value[:4]}…" for needle, value in needles.items() if needle in data]
    return found
