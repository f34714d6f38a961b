"""CSI final bytes and terminal modes, by name (ECMA-48, DEC and xterm names)."""

from __future__ import annotations

# CSI finals.
ICH = "@"  # insert blank characters
CUU = "A"  # cursor up
CUD = "B"  # cursor down
CUF = "C"  # cursor forward
CUB = "D"  # cursor back
CNL = "E"  # cursor next line
CPL = "F"  # cursor previous line
CHA = "G"  # cursor horizontal absolute
CUP = "H"  # cursor position
CHT = "I"  # cursor forward tabulation
ED = "J"  # erase in display
EL = "K"  # erase in line
IL = "L"  # insert lines
DL = "M"  # delete lines
DCH = "P"  # delete characters
SU = "S"  # scroll up
SD = "T"  # scroll down
ECH = "X"  # erase characters
CBT = "Z"  # cursor backward tabulation
HPA = "`"  # horizontal position absolute
HPR = "a"  # horizontal position relative
REP = "b"  # repeat the last character
DA = "c"  # device attributes
VPA = "d"  # vertical position absolute
VPR = "e"  # vertical position relative
HVP = "f"  # horizontal and vertical position
TBC = "g"  # tab clear
SM = "h"  # set mode
RM = "l"  # reset mode
SGR = "m"  # select graphic rendition
DSR = "n"  # device status report
DECRQM = "p"  # request mode (with $); DECSTR is ! p
DECSCUSR = "q"  # cursor shape (with a space)
XTVERSION = "q"  # with >: the terminal's name and version
DECSTR = "p"  # with !: soft reset
DECSTBM = "r"  # set top and bottom margins
SCOSC = "s"  # save cursor
XTWINOPS = "t"  # window operations (only the size report)
SCORC = "u"  # restore cursor; with ? > < = the kitty keyboard protocol
KITTY_KEYBOARD = "u"

PRIVATE_LEADS = ("?", ">", "<", "=")
"""Parameter prefixes that make a CSI private (DEC, xterm, kitty)."""

# ANSI modes (SM / RM).
IRM = 4  # insert mode
LNM = 20  # line feed / new line mode (never set)

# DEC private modes (CSI ? h / l).
DECCKM = 1  # application cursor keys
DECOM = 6  # origin mode
DECAWM = 7  # autowrap
CURSOR_BLINK = 12
DECTCEM = 25  # cursor visible
ALT_SCREEN = 47
ALT_SCREEN_CLEARED = 1047  # cleared when left
SAVE_CURSOR = 1048
ALT_SCREEN_SAVED = 1049  # cursor saved, cleared when entered
MOUSE_X10 = 9
MOUSE_NORMAL = 1000
MOUSE_BUTTON_EVENT = 1002
MOUSE_ANY_EVENT = 1003
MOUSE_MODES = (MOUSE_X10, MOUSE_NORMAL, MOUSE_BUTTON_EVENT, MOUSE_ANY_EVENT)
FOCUS_EVENTS = 1004
MOUSE_SGR = 1006
BRACKETED_PASTE = 2004
SYNCHRONIZED_OUTPUT = 2026

# DECRQM answers.
MODE_UNKNOWN = 0
MODE_SET = 1
MODE_RESET = 2
