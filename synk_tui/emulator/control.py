"""C0 control characters and the finals of ESC sequences, by name."""

from __future__ import annotations

# C0 controls the screen acts on.
BEL = "\x07"  # bell
BS = "\x08"  # backspace
HT = "\t"  # horizontal tab
LF = "\n"  # line feed
VT = "\x0b"  # vertical tab: a line feed
FF = "\x0c"  # form feed: a line feed
CR = "\r"  # carriage return
SO = "\x0e"  # shift out: G1 character set
SI = "\x0f"  # shift in: G0 character set
CAN = "\x18"  # cancels a sequence
SUB = "\x1a"  # cancels a sequence
ESC = "\x1b"  # starts a sequence
DEL = "\x7f"  # ignored

STRING_ABORTS = CAN + SUB + ESC
"""Controls that end a CSI in the middle instead of being executed inside it."""

# Finals of ESC sequences without intermediates.
DECSC = "7"  # save cursor
DECRC = "8"  # restore cursor
IND = "D"  # index: down one row, scrolling at the bottom margin
NEL = "E"  # next line
HTS = "H"  # set a tab stop at the cursor column
RI = "M"  # reverse index
RIS = "c"  # reset to initial state
DECKPAM = "="  # application keypad
DECKPNM = ">"  # normal keypad

# ESC sequences with an intermediate.
G0_DESIGNATE = "("  # ESC ( F: character set F into G0
G1_DESIGNATE = ")"  # ESC ) F: character set F into G1
DEC_LINE = "#"  # ESC # F: DEC line attributes and tests
DECALN = "8"  # ESC # 8: fill the screen with E

# Character sets (the final of a designation).
DEC_SPECIAL_GRAPHICS = "0"
UK = "A"
US_ASCII = "B"

# Introducers of strings after ESC: OSC, DCS, APC, PM, SOS.
OSC = "]"
