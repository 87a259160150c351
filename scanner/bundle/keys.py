"""Per-analyst Ed25519 signing keys for case bundles.

Keys live in ``$APPAUDIT_KEYS_DIR`` or ``~/.config/appaudit/keys/``: ``<analyst>.key``
(PKCS#8 PEM private key, mode 0600; encrypted with a passphrase when one is given at
generation) and ``<analyst>.pub`` (raw public key, hex). The analyst name is kept as given
in the bundle; the file name is a filesystem-safe form. The passphrase of an encrypted key
is read from ``$APPAUDIT_KEY_PASSPHRASE`` when it is not passed in.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from scanner.errors import InputError, UsageError
from scanner.messages import msg, os_reason

ALGORITHM = "Ed25519"
PASSPHRASE_ENV = "APPAUDIT_KEY_PASSPHRASE"


def env_passphrase() -> bytes | None:
    """The passphrase in ``$APPAUDIT_KEY_PASSPHRASE`` (None when unset or empty)."""
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def keys_dir() -> Path:
    """Where keys are kept ($APPAUDIT_KEYS_DIR, else ~/.config/appaudit/keys)."""
    env = os.environ.get("APPAUDIT_KEYS_DIR")
    if env:
        return Path(env)
    return Path.home() / ".config" / "appaudit" / "keys"


def safe_name(analyst: str) -> str:
    """The key file stem of an analyst name (letters incl. CJK, digits, . _ -)."""
    name = re.sub(r"[^\w.\-]+", "_", analyst.strip())[:80].strip("._")
    if not name:
        raise UsageError("err_analyst_name", analyst=repr(analyst))
    return name


def public_hex(key: Ed25519PublicKey) -> str:
    """The 32 raw public-key bytes as hex."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


def fingerprint(pub_hex: str) -> str:
    """SHA-256 of the raw public key, hex (what analysts compare by eye)."""
    return hashlib.sha256(bytes.fromhex(pub_hex)).hexdigest()


def public_key_from_hex(pub_hex: str) -> Ed25519PublicKey:
    """Parse a hex raw public key (InputError when malformed)."""
    try:
        raw = bytes.fromhex(pub_hex)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError) as e:
        raise InputError("err_not_public_key", key=repr(str(pub_hex)[:80])) from e


@dataclass(frozen=True)
class KeyInfo:
    """Where an analyst's key pair is and its public key."""

    analyst: str
    private_path: Path
    public_path: Path
    public_hex: str

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the public key."""
        return fingerprint(self.public_hex)


def _paths(analyst: str, folder: Path | None) -> tuple[Path, Path]:
    base = (folder or keys_dir()) / safe_name(analyst)
    return base.with_name(base.name + ".key"), base.with_name(base.name + ".pub")


def generate_key(analyst: str, folder: Path | None = None, force: bool = False,
                 passphrase: bytes | None = None) -> KeyInfo:
    """Create a key pair for ``analyst``, the private key encrypted when ``passphrase`` is
    given; refuses to overwrite unless ``force``."""
    priv_path, pub_path = _paths(analyst, folder)
    if priv_path.exists() and not force:
        raise UsageError("err_key_exists", path=str(priv_path))
    priv_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            encryption)
    tmp = priv_path.with_name(priv_path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, priv_path)
    pub = public_hex(key.public_key())
    pub_path.write_text(pub + "\n", encoding="ascii")
    return KeyInfo(analyst, priv_path, pub_path, pub)


def load_private_key(analyst: str, folder: Path | None = None,
                     passphrase: bytes | None = None) -> tuple[Ed25519PrivateKey, KeyInfo]:
    """The private key of ``analyst`` (UsageError telling how to create it when missing, or
    how to give the passphrase of an encrypted one)."""
    priv_path, pub_path = _paths(analyst, folder)
    if not priv_path.is_file():
        raise UsageError("err_no_key", analyst=repr(analyst), folder=str(priv_path.parent))
    data = priv_path.read_bytes()
    encrypted = data.lstrip().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    password = (passphrase or env_passphrase()) if encrypted else None
    if encrypted and not password:
        raise UsageError("err_key_passphrase", path=str(priv_path), env=PASSPHRASE_ENV)
    try:
        key = serialization.load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as e:
        if encrypted:
            raise UsageError("err_key_wrong_passphrase", path=str(priv_path),
                             env=PASSPHRASE_ENV) from e
        raise InputError("err_key_unreadable", path=str(priv_path), detail=str(e)) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("err_key_not_ed25519", path=str(priv_path))
    pub = public_hex(key.public_key())
    return key, KeyInfo(analyst, priv_path, pub_path, pub)


def list_keys(folder: Path | None = None) -> list[KeyInfo]:
    """Every key pair in the keys folder, by file name."""
    base = folder or keys_dir()
    out = []
    for pub_path in sorted(base.glob("*.pub")) if base.is_dir() else []:
        pub = pub_path.read_text("ascii", errors="replace").strip()
        out.append(KeyInfo(pub_path.stem, pub_path.with_suffix(".key"), pub_path, pub))
    return out


def read_public_key_file(path: Path) -> str:
    """A public key file (hex, as written by generate_key) → hex string."""
    try:
        text = path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("err_public_key_unreadable", path=str(path), reason=os_reason(e)
                         if isinstance(e, OSError) else msg("reason_not_utf8")) from e
    public_key_from_hex(text)
    return text
