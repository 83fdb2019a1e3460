"""The ``taskcost`` command (and ``python -m taskcost``).

The CLI is imported inside ``main`` so that a Ctrl-C while the modules still load (the
first tenth of a second) ends like a Ctrl-C anywhere else: one line, exit 130, instead
of a traceback from the middle of an import.
"""

import sys


def main() -> None:
    try:
        from taskcost.cli import main as cli
    except KeyboardInterrupt:
        from taskcost.errors import INTERRUPTED, ExitCode

        sys.stderr.write(INTERRUPTED + "\n")
        raise SystemExit(int(ExitCode.INTERRUPT)) from None
    cli()


if __name__ == "__main__":  # guarded: parser processes re-import the main module
    main()
