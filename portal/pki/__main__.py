"""`python -m portal.pki prepare|serve|env [--dir DIR] [--port N]`.

prepare: make the folder (keys, config, exports) and print the portal settings that use it.
serve: prepare, then serve OCSP, CRLs, certificates and the TSA on 127.0.0.1:N until Ctrl-C.
env: print the settings as shell `export` lines (for `.ci/run` and the demo).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from portal.pki import DEFAULT_PORT, default_folder, prepare, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.pki", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("prepare", "serve", "env"))
    parser.add_argument("--dir", type=Path, default=None,
                        help="the PKI folder (default: PKI_DIR, or var/pki)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    pki = prepare(args.dir or default_folder(), args.port)
    if args.command == "env":
        for name, value in pki.environment().items():
            print(f"export {name}={shlex.quote(value)}")
        return 0
    for name, value in pki.environment().items():
        print(f"{name}={value}", file=sys.stderr)
    if args.command == "serve":
        print(f"pki: serving {pki.folder} on {pki.url}", file=sys.stderr, flush=True)
        serve(pki)
    return 0


if __name__ == "__main__":
    sys.exit(main())
