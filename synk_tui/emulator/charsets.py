"""Character sets a child can designate with ESC ( and ESC ): DEC special
graphics (line drawing) and the UK set."""

from __future__ import annotations

# DEC special graphics (ESC ( 0), 0x5f..0x7e, as xterm and tmux draw them.
DEC_GRAPHICS = dict(
    zip(
        range(0x5F, 0x7F),
        "\u00a0◆▒␉␌␍␊°±░␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·",
        strict=True,
    )
)
UK_TABLE = {ord("#"): "\u00a3"}
