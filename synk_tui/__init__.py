"""synk: a terminal multiplexer for AI coding agents and shells, side by side."""

__version__ = "0.1.0"
