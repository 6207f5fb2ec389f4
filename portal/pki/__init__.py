"""The portal's local PKI, run by certomancer: the demo's, the tests' and CI's signing
certificate, time-stamping authority, OCSP responder and CRLs (portal/pki/certomancer.yml).

`prepare(folder, port)` makes the folder once: RSA keys (keys/, mode 0600, never committed), the
resolved certomancer config, and export/ with what the portal's settings point at (the signing
key, its certificate, the chain up to the root, the root alone). `serve(folder, port)` runs
certomancer's Animator on 127.0.0.1. `python -m portal.pki` (portal/pki/__main__.py) does both.

RSA, not an ISO 32002 curve: an ECDSA signature makes pyHanko raise the file to PDF 2.0, which
PDF/A-3 (based on PDF 1.7) does not allow. No Django here: it starts before (and without) the
portal's settings.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from asn1crypto import pem as asn1_pem  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

TEMPLATE = Path(__file__).with_name("certomancer.yml")
ARCH = "portal"
HOST = "127.0.0.1"
DEFAULT_PORT = 8790
KEY_SIZE = 2048
# Certificate label → its validity, in days before and after the moment the folder is made.
# The signing certificate expires long before the CAs and the TSA: a certificate it signed must
# still verify after it expires (the timestamps and embedded validation data carry it).
VALIDITY = {"root": (1, 365 * 30), "ca": (1, 365 * 20), "signer": (1, 365 * 2)}
# The signing certificates exported for the portal: "signer", and "signer-2" for rotation drills.
SIGNERS = ("signer", "signer-2")


@dataclass(frozen=True)
class LocalPki:
    """A prepared PKI folder and the loopback URL it is (to be) served on."""

    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def config(self) -> Path:
        return self.folder / "certomancer.yml"

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    @property
    def root_cert(self) -> Path:
        return self.folder / "export" / "root.cert.pem"

    def signing_key(self, label: str = "signer") -> Path:
        return self.folder / "export" / f"{label}.key.pem"

    def signing_cert(self, label: str = "signer") -> Path:
        return self.folder / "export" / f"{label}.cert.pem"

    @property
    def chain(self) -> Path:
        """The intermediate CA's certificate: what the signature carries besides its own."""
        return self.folder / "export" / "chain.pem"

    def environment(self, label: str = "signer") -> dict[str, str]:
        """The portal settings (portal/settings.py) that sign and verify with this PKI."""
        return {"CERTIFICATE_SIGNING_KEY": str(self.signing_key(label)),
                "CERTIFICATE_SIGNING_CERT": str(self.signing_cert(label)),
                "CERTIFICATE_SIGNING_CHAIN": str(self.chain),
                "CERTIFICATE_TSA_URL": self.tsa_url,
                "CERTIFICATE_TRUST_ROOTS": str(self.root_cert)}


def prepare(folder: Path, port: int = DEFAULT_PORT) -> LocalPki:
    """Keys (once), the resolved config and the exports, for serving on `port`.

    The keys, hence the CAs, survive a restart; the config and the exports are rewritten when
    the port changes (the certificates name their OCSP and CRL URLs)."""
    pki = LocalPki(folder, port)
    template = yaml.safe_load(TEMPLATE.read_text())
    key_names = template["keysets"][ARCH]["keys"]
    keys = folder / template["keysets"][ARCH]["path-prefix"]
    keys.mkdir(parents=True, exist_ok=True)
    for entry in key_names.values():
        _ensure_key(keys / entry["path"])
    state_path = folder / "state.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    if state.get("port") != port or not pki.config.exists() or not pki.root_cert.exists():
        made = state.get("made") or dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        pki.config.write_text(yaml.safe_dump(_resolved(template, pki, made), sort_keys=False))
        _export(pki)
        state_path.write_text(json.dumps({"port": port, "made": made}))
    return pki


def _ensure_key(path: Path) -> None:
    if path.exists():
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    temporary.chmod(0o600)
    temporary.replace(path)


def _resolved(template: dict[str, Any], pki: LocalPki, made: str) -> dict[str, Any]:
    moment = dt.datetime.fromisoformat(made)
    config = dict(template, **{"external-url-prefix": pki.url})
    for spec in config["pki-architectures"][ARCH]["certs"].values():
        if isinstance(spec.get("validity"), str):
            before, after = VALIDITY[spec["validity"]]
            spec["validity"] = {
                "valid-from": (moment - dt.timedelta(days=before)).strftime("%Y-%m-%dT%H:%M:%S%z"),
                "valid-to": (moment + dt.timedelta(days=after)).strftime("%Y-%m-%dT%H:%M:%S%z")}
    return config


def architecture(pki: LocalPki) -> Any:
    """certomancer's PKIArchitecture of a prepared folder."""
    from certomancer.registry import ArchLabel, CertomancerConfig

    config = CertomancerConfig.from_file(str(pki.config), key_search_dir=str(pki.folder))
    return config.get_pki_arch(ArchLabel(ARCH))


def _export(pki: LocalPki) -> None:
    arch = architecture(pki)
    export = pki.folder / "export"
    export.mkdir(exist_ok=True)

    def pem(label: str) -> bytes:
        der = arch.get_cert(label).dump()
        return asn1_pem.armor("CERTIFICATE", der)  # type: ignore[no-any-return]

    pki.root_cert.write_bytes(pem("root"))
    pki.chain.write_bytes(pem("interm"))
    for label in SIGNERS:
        key_file = pki.signing_key(label)
        key_file.write_bytes((pki.folder / "keys" / f"{label}.key.pem").read_bytes())
        key_file.chmod(0o600)
        pki.signing_cert(label).write_bytes(pem(label))
    pki.folder.joinpath("export", "tsa.cert.pem").write_bytes(pem("tsa"))


def application(pki: LocalPki) -> Any:
    """certomancer's Animator (a WSGI application) over the prepared folder, on real time."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig

    config = CertomancerConfig.from_file(str(pki.config), key_search_dir=str(pki.folder))
    return Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False,
                    allow_time_override=False)


def serve(pki: LocalPki) -> None:
    """Serve the PKI on 127.0.0.1:`port` until interrupted (werkzeug's threaded server)."""
    from werkzeug.serving import run_simple

    run_simple(HOST, pki.port, application(pki), threaded=True)


def default_folder() -> Path:
    return Path(os.environ.get("PKI_DIR", Path(__file__).resolve().parents[2] / "var" / "pki"))
