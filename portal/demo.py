"""`python -m portal.demo`: load the demo data, then run the Procfile's processes — gunicorn, the
portal and certificates Celery workers, and beat — under honcho, exactly as production runs them,
on the demo's settings, beside the local PKI (portal/pki: signing certificate, TSA, OCSP, CRLs in
var/pki/, on 127.0.0.1:PKI_PORT) that certificates are signed with.

Used by `make demo` after migrating. The PKI is started first for `manage.py demo_data` (it signs
the seed certificate), then run by honcho as the `pki` process of var/Procfile.demo (the Procfile
plus that line). Ctrl-C stops them all (honcho does).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from portal.pki import DEFAULT_PORT, LocalPki, default_folder, prepare

ROOT = Path(__file__).resolve().parent.parent
# Every Procfile process but `release`: `make demo` has migrated already.
PROCESSES = ("web", "worker", "certificates", "beat")
PKI_PORT = int(os.environ.get("PKI_PORT", str(DEFAULT_PORT)))


def demo_address(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(host, port) the demo serves on: DEMO_HOST and DEMO_PORT, read when the demo starts."""
    environ = dict(os.environ) if environ is None else environ
    return environ.get("DEMO_HOST") or "127.0.0.1", environ.get("DEMO_PORT") or "8000"


def demo_environment() -> dict[str, str]:
    """The settings every demo process runs with, demo_data first: so every link the demo data
    makes (certificates, e-mails) names the address the portal is served on."""
    env = dict(os.environ)
    host, port = demo_address(env)
    # DEBUG off, as in production: a missing page or an error shows the portal's 404 or 500
    # page, never a traceback with settings (the log has it). WhiteNoise serves the static files.
    env["DEBUG"] = "0"
    env.setdefault("LOG_FORMAT", "text")
    # One of each is plenty on a laptop.
    env.setdefault("WEB_CONCURRENCY", "1")
    env.setdefault("WORKER_CONCURRENCY", "1")
    # honcho gives the first process (web) PORT and the next ones PORT+100, +200…
    env.update(WEB_HOST=host, PORT=port, PORTAL_BASE_URL=f"http://{host}:{port}")
    hosts = [h for h in env.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
    env["ALLOWED_HOSTS"] = ",".join(dict.fromkeys([*hosts, host]))
    # Sign with the local PKI (the settings' defaults name var/pki/ and port 8790).
    env.update(LocalPki(default_folder(), PKI_PORT).environment())
    # The Procfile names programs (gunicorn, celery): this interpreter's, not whatever is on PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _pki_answers(pki: LocalPki) -> bool:
    try:
        with urllib.request.urlopen(f"{pki.url}/portal/crls/interm/latest.crl",  # noqa: S310 (http, loopback)
                                    timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def load_demo_data(env: dict[str, str], pki: LocalPki) -> None:
    """`manage.py demo_data` with the PKI up (it signs the seed certificate), then stop the PKI."""
    argv = [sys.executable, "-m", "portal.pki", "serve", "--dir", str(pki.folder),
            "--port", str(pki.port)]
    server = subprocess.Popen(argv, env=env, cwd=ROOT)  # noqa: S603 (our interpreter, fixed argv)
    try:
        deadline = time.monotonic() + 30
        while not _pki_answers(pki):
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"demo: the local PKI did not come up on {pki.url}")
            time.sleep(0.2)
        load = [sys.executable, "manage.py", "demo_data"]
        if subprocess.run(load, env=env, cwd=ROOT, check=False).returncode:  # noqa: S603 (fixed argv)
            sys.exit("demo: the demo data could not be loaded (the reason is above)")
    finally:
        server.terminate()
        server.wait(timeout=10)


def demo_procfile(pki: LocalPki) -> Path:
    """The Procfile plus the `pki` process, in var/."""
    procfile = ROOT / "var" / "Procfile.demo"
    procfile.parent.mkdir(parents=True, exist_ok=True)
    procfile.write_text((ROOT / "Procfile").read_text() + "# Added by portal/demo.py.\n"
                        f"pki: python -m portal.pki serve --dir {pki.folder} --port {pki.port}\n")
    return procfile


def main() -> None:
    env = demo_environment()
    pki = prepare(default_folder(), PKI_PORT)
    load_demo_data(env, pki)
    broker = (f"Redis at {env['REDIS_URL']}" if env.get("REDIS_URL")
              else "the embedded filesystem broker (var/broker)")
    base = env["PORTAL_BASE_URL"]
    print(f"\nPortal: {base}/   reviewer console: {base}/admin/\n"
          f"Processes: {', '.join(PROCESSES)} from the Procfile, on {broker}, and the local PKI on "
          f"{pki.url} ({pki.folder}). Ctrl-C stops them.\n",
          flush=True)
    os.chdir(ROOT)
    # No .env file: the processes must see the settings `make demo` migrated with.
    # Our own interpreter and a fixed argv.
    os.execve(sys.executable, [sys.executable, "-m", "honcho", "start", "--env", os.devnull,  # noqa: S606
                               "--procfile", str(demo_procfile(pki)), "--app-root", str(ROOT),
                               *PROCESSES, "pki"], env)


if __name__ == "__main__":
    main()
