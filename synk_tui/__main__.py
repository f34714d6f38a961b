"""`python -m synk_tui` runs the same thing as the `synk` command."""

from __future__ import annotations

import sys

from synk_tui.cli import main

if __name__ == "__main__":
    sys.exit(main())
