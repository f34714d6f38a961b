"""TerminalPane: one session's screen, drawn and typed into as a terminal.

The pane is the client half of a tmux-like split: the session manager keeps
the session's emulator fed whatever the UI shows, and the pane only reads it
(`manager.screen(id)`) to draw, and sends input back (`manager.write`). It
never touches a PTY and never feeds the emulator.

Drawing uses Textual's Line API: `render_line(y)` builds one `Strip` from the
emulator's style runs (one Segment per run, rich Styles cached per StyleKey),
and on `ScreenUpdated` only the rows the emulator reports dirty are refreshed,
so one changed line costs one line of rendering. Textual batches refreshes
to its frame rate, except the focused pane's, which are composed at once
(`_draw_now`); unfocused panes repaint at most 20 times a second (5 while
the person types elsewhere). While the child holds synchronized output
(mode 2026) the repaint waits for the end of its frame, at most
`SYNC_TIMEOUT`; a row Textual redraws meanwhile for its own reasons shows
what was last drawn. A hidden pane does no rendering work at all and tells
the manager so.

Input: keys, paste and mouse are encoded by `synk_tui.keys` with the modes
the child set (DECCKM, bracketed paste, mouse tracking). Every key reaches
the child, except the App's priority bindings (synk's prefix key) and, when
there is scrollback to show, shift+PgUp/PgDn. The wheel scrolls the
scrollback unless the child asked for mouse reports; a left drag (with shift
held when the child captures the mouse) selects text and copies it to the
outer terminal's clipboard with OSC 52 (`App.copy_to_clipboard`).

Copy mode (`enter_copy_mode`, the app's grid key `[`) takes every key
instead: a cursor moves over the screen and scrollback (`synk_tui.copy_mode`
does the work), `v`/space selects, `y`/Enter copies as a mouse selection
does, `/` and `?` search with a prompt drawn on the pane's bottom row, and
the matches are highlighted. Esc or `q` leaves.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import ClassVar, Protocol

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from synk_tui.copy_mode import SEARCH_PATTERN_LIMIT, CopyMode
from synk_tui.emulator import (
    ATTR_BLINK,
    ATTR_BOLD,
    ATTR_DIM,
    ATTR_HIDDEN,
    ATTR_ITALIC,
    ATTR_OVERLINE,
    ATTR_REVERSE,
    ATTR_STRIKE,
    ATTR_UNDERLINE,
    StyleKey,
    TerminalEmulator,
)
from synk_tui.errors import SynkError
from synk_tui.events import ScreenUpdated, SessionExit
from synk_tui.keys import (
    MouseAction,
    encode_focus,
    encode_key,
    encode_mouse,
    encode_paste,
    keep_alt_in_legacy_input,
)
from synk_tui.sanitize import safe_text

__all__ = ["SessionHost", "TerminalPane"]

# Before any app using a pane starts its driver: alt+key from a terminal
# without the kitty protocol must reach the pane as the key that was typed.
keep_alt_in_legacy_input()

SYNC_TIMEOUT = 0.15
"""Longest a repaint waits for a child's synchronized-output frame to end."""
SYNC_POLL = 0.02
"""How often a held repaint checks whether the frame ended."""
RESIZE_DEBOUNCE = 0.05
"""A burst of size changes (a drag, a reflow) reaches the PTY as one resize."""
_GOLDEN = 0.6180339887
"""Spreads panes' repaint phases evenly whatever their session ids."""
TYPING_FRAME = 0.2
"""Shortest time between an unfocused pane's repaints while the person types
into another: every frame Textual composes is one the keystroke may wait for."""
BACKGROUND_FRAME = 0.05
"""Shortest time between two repaints of a pane that does not have focus.

While several panes flood, repainting them all at Textual's 60 fps costs
more than a frame (12 full panes: ~20 ms of compositing on the target
machine) and the focused pane's echo waits behind it. Background panes at
20 fps still look live, and the focused pane is repainted at once."""
STRIP_CACHE_ROWS = 2
"""Rendered rows kept by content, in screens (at least STRIP_CACHE_MIN rows):
scrolling output shifts rows, so most rows of the next frame were already
rendered (at another y) in this one. Kept small on purpose: every Strip
carries several caches of its own, and ten thousand of them make each of
Python's full garbage collections pause the app for tens of milliseconds."""
STRIP_CACHE_MIN = 32
WHEEL_LINES = 3
"""Lines per wheel notch, in the scrollback and as arrows in the alternate screen."""

TRUECOLOR_FLAG = 0x1000000
"""StyleKey colours with this bit are 0xRRGGBB; below it, palette indices."""

# DECSCUSR: 0/1 blinking block, 2 block, 3/4 underline, 5/6 bar.
_CURSOR_BLOCK = frozenset({0, 1, 2})
_CURSOR_UNDERLINE = frozenset({3, 4})

_SCROLLBACK_NAV_KEYS = frozenset(
    {"up", "down", "pageup", "pagedown", "shift+pageup", "shift+pagedown", "home", "end", "escape"}
)


class SessionHost(Protocol):
    """The part of `SessionManager` a pane uses (a remote proxy can stand in)."""

    def write(self, session_id: int, data: str | bytes) -> None: ...
    def resize(self, session_id: int, cols: int, rows: int) -> None: ...
    def screen(self, session_id: int) -> TerminalEmulator: ...
    def set_priority(self, session_id: int | None) -> None: ...
    def set_visible(self, session_id: int, visible: bool) -> None: ...
    @property
    def typing(self) -> bool: ...


def _rich_color(value: int) -> Color | None:
    if value < 0:
        return None
    if value & TRUECOLOR_FLAG:
        rgb = value & 0xFFFFFF
        return Color.from_rgb(rgb >> 16, (rgb >> 8) & 0xFF, rgb & 0xFF)
    return Color.from_ansi(value & 0xFF)


def style_from_key(key: StyleKey) -> Style:
    """The rich Style for an emulator StyleKey (unset parts inherit the pane's)."""
    fg, bg, attrs = key
    return Style(
        color=_rich_color(fg),
        bgcolor=_rich_color(bg),
        bold=bool(attrs & ATTR_BOLD) or None,
        dim=bool(attrs & ATTR_DIM) or None,
        italic=bool(attrs & ATTR_ITALIC) or None,
        underline=bool(attrs & ATTR_UNDERLINE) or None,
        blink=bool(attrs & ATTR_BLINK) or None,
        reverse=bool(attrs & ATTR_REVERSE) or None,
        conceal=bool(attrs & ATTR_HIDDEN) or None,
        strike=bool(attrs & ATTR_STRIKE) or None,
        overline=bool(attrs & ATTR_OVERLINE) or None,
    )


def _overlay(strip: Strip, start: int, end: int, restyle: Style | None, invert: bool) -> Strip:
    """`strip` with cells [start, end) restyled; `invert` toggles reverse video.

    Toggling (rather than setting) reverse keeps a cursor or a selection
    visible on text that is already in reverse video.
    """
    length = strip.cell_length
    start, end = max(0, start), min(end, length)
    if start >= end:
        return strip
    before, middle, after = strip.divide([start, end, length])
    segments: list[Segment] = []
    for text, style, control in middle:
        new_style = style or Style()
        if invert:
            new_style = new_style + Style(reverse=not new_style.reverse)
        if restyle is not None:
            new_style = new_style + restyle
        segments.append(Segment(text, new_style, control))
    return Strip.join([before, Strip(segments, middle.cell_length), after])


def _slice_cells(text: str, start: int, end: int) -> str:
    """The characters of `text` whose cells fall in [start, end)."""
    out: list[str] = []
    position = 0
    for char in text:
        width = cell_len(char)
        if width == 0:
            if out and start <= position - 1 < end:
                out.append(char)  # a combining mark stays with its base
            continue
        if start <= position < end:
            out.append(char)
        position += width
        if position >= end:
            break
    return "".join(out)


class TerminalPane(Widget, can_focus=True):
    """Shows one session's screen and sends it keys, paste and mouse input."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("shift+pageup", "scroll_back_page", "Scroll back", show=False),
        Binding("shift+pagedown", "scroll_forward_page", "Scroll forward", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | shift+pageup | Scroll the view back one page (not in the alternate screen). |
    | shift+pagedown | Scroll the view forward one page, back to live at the end. |

    While scrolled back, up/down, PgUp/PgDn and Home move the view, End and
    Escape return to live; any other key returns to live and goes to the child.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "terminal-pane--indicator",
        "terminal-pane--selection",
        "terminal-pane--match",
        "terminal-pane--prompt",
    }
    """
    | Class | Description |
    | :- | :- |
    | `terminal-pane--indicator` | The scrollback and exit labels. |
    | `terminal-pane--selection` | Extra style for selected text (it is also reversed). |
    | `terminal-pane--match` | Search matches in copy mode. |
    | `terminal-pane--prompt` | The copy-mode search prompt. |
    """

    DEFAULT_CSS = """
    TerminalPane {
        width: 1fr;
        height: 1fr;
        background: $background;
        color: $foreground;
        & > .terminal-pane--indicator {
            background: $warning;
            color: $text;
            text-style: bold;
        }
        & > .terminal-pane--match {
            background: $warning-darken-1;
            color: $text;
        }
        & > .terminal-pane--prompt {
            background: $panel;
            color: $text;
        }
    }
    """

    ALLOW_SELECT = False  # the pane does its own selection, in terminal cells

    sync_timeout: ClassVar[float] = SYNC_TIMEOUT
    """Longest a repaint is held for a synchronized-output frame (seconds)."""

    background_frame: ClassVar[float] = BACKGROUND_FRAME
    """Shortest time between repaints while the pane does not have focus (seconds)."""

    typing_frame: ClassVar[float] = TYPING_FRAME
    """The same while the person types into another session (`manager.typing`)."""

    scrollback_offset: reactive[int] = reactive(0, init=False)
    """Lines the view is scrolled back from live output (0 is live)."""

    exit_code: reactive[int | None] = reactive(None, init=False)
    """The child's exit status once it ended (shown at the bottom), else None."""

    class Focused(Message):
        """The pane received focus: its session is now the one being typed into."""

        def __init__(self, pane: TerminalPane) -> None:
            super().__init__()
            self.pane = pane

        @property
        def control(self) -> TerminalPane:
            """The pane (for `@on(TerminalPane.Focused, "#id")`)."""
            return self.pane

    class Clicked(Message):
        """A mouse button went down on the pane (the app may switch to input mode)."""

        def __init__(self, pane: TerminalPane) -> None:
            super().__init__()
            self.pane = pane

        @property
        def control(self) -> TerminalPane:
            """The pane that was clicked."""
            return self.pane

    class SelectionCopied(Message):
        """Selected text was copied to the clipboard (OSC 52 to the outer terminal)."""

        def __init__(self, pane: TerminalPane, text: str) -> None:
            super().__init__()
            self.pane = pane
            self.text = text

        @property
        def control(self) -> TerminalPane:
            """The pane the text came from."""
            return self.pane

    class CopyModeChanged(Message):
        """The pane entered (`active`) or left copy mode (the status bar says COPY)."""

        def __init__(self, pane: TerminalPane, active: bool) -> None:
            super().__init__()
            self.pane = pane
            self.active = active

        @property
        def control(self) -> TerminalPane:
            """The pane whose mode changed."""
            return self.pane

    class TitleChanged(Message):
        """The child set its window title (OSC 0/2); `title` is escaped, ready to show."""

        def __init__(self, pane: TerminalPane, title: str) -> None:
            super().__init__()
            self.pane = pane
            self.title = title

        @property
        def control(self) -> TerminalPane:
            """The pane whose title changed."""
            return self.pane

    class Bell(Message):
        """The child rang the bell (an agent waiting for input often does)."""

        def __init__(self, pane: TerminalPane) -> None:
            super().__init__()
            self.pane = pane

        @property
        def control(self) -> TerminalPane:
            """The pane that rang."""
            return self.pane

    def __init__(
        self,
        manager: SessionHost,
        session_id: int,
        *,
        exit_hint: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """A pane for `session_id`, reaching it only through `manager`.

        `exit_hint` follows "process exited (N)" once the child ended: the
        keys that act on a dead pane (such as "ctrl+\\ x closes").
        """
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.manager = manager
        self.session_id = session_id
        self.exit_hint = exit_hint
        self.resized_at: float | None = None
        """monotonic time synk last resized the PTY: the child's redraw after it
        (SIGWINCH) is synk's doing, not the session's activity."""
        self._styles: dict[StyleKey, Style] = {}
        self._strips: dict[tuple[tuple[str, StyleKey], ...], Strip] = {}
        self._painted_at = 0.0
        self._paint_timer: Timer | None = None
        self._base_style: Style | None = None
        self._shown = False
        self._size_sent: tuple[int, int] | None = None
        self._resize_timer: Timer | None = None
        self._sync_frame = 0
        """The synchronized-output frame `_sync_since` times (the emulator's count)."""
        self._sync_since = 0.0
        self._sync_timer: Timer | None = None
        self._drawn_frame: dict[int, Strip] = {}
        """Each view row's content as last drawn live: shown while a frame is held."""
        self._held_rows: set[int] = set()
        """Rows drawn from `_drawn_frame`: they repaint when the frame is let go."""
        self._cursor_row: int | None = None
        self._cursor_at: tuple[int, int] | None = None
        self._screen_shape: tuple[int, int] = (0, 0)
        self._scrollback_len = 0
        self._title = ""
        self._bells = 0
        self._selection: tuple[tuple[int, int], tuple[int, int]] | None = None
        self._selecting = False
        self._mouse_reporting = False
        self._copy: CopyMode | None = None
        """The copy-mode cursor, selection and search, while in copy mode."""
        self._search_prompt: str | None = None
        """What is typed after `/` or `?`, while the search prompt is open."""
        self._search_forward = True
        self._copy_status = ""
        """The result of the last search, shown in the copy-mode label."""

    # -- the session -----------------------------------------------------------

    @property
    def emulator(self) -> TerminalEmulator | None:
        """The session's emulator, or None once the session is gone."""
        try:
            return self.manager.screen(self.session_id)
        except SynkError:
            return None

    def send(self, data: str | bytes) -> None:
        """Write input to the child as if typed; an ended session ignores it."""
        if self.exit_code is not None:
            return
        # Exited or destroyed: SessionExit is on its way to the app.
        with contextlib.suppress(SynkError):
            self.manager.write(self.session_id, data)

    def send_key(self, key: str) -> None:
        """Send a key by its Textual name, encoded as the program asked
        (the prefix typed twice reaches the program as the prefix itself)."""
        emulator = self.emulator
        if emulator is None:
            return
        data = encode_key(
            key,
            app_cursor_keys=emulator.app_cursor_keys,
            app_keypad=emulator.app_keypad,
            kitty_flags=emulator.kitty_keyboard_flags,
        )
        if data:
            self.send(data)

    def screen_updated(self) -> None:
        """Repaint what changed; the app calls this on `ScreenUpdated` for the session.

        Only dirty rows are refreshed. While hidden nothing is done (the whole
        pane is repainted when it shows again); while the child's
        synchronized-output frame is open, the repaint waits for its end.
        """
        if not self._shown:
            return
        emulator = self.emulator
        if emulator is None:
            return
        if self._paint_timer is not None:
            if not self.has_focus:
                return  # a repaint is already due: this update joins it
            self._paint_timer.stop()
            self._paint_timer = None
        elif not self.has_focus:
            now = time.monotonic()
            wait = self._next_background_paint(now) - now
            if wait > 0:
                self._paint_timer = self.set_timer(wait, self._background_paint)
                return
        self._paint(emulator)

    def _paint(self, emulator: TerminalEmulator) -> None:
        """Repaint now, unless the child's synchronized-output frame is open."""
        if self._frame_held(emulator):
            self._schedule_sync_poll()
            return
        self._repaint_changes(emulator)
        if self.has_focus:
            self._draw_now()

    def _draw_now(self) -> None:
        """Compose the screen now, not at Textual's next frame: the echo of what
        the person typed is on the terminal as soon as it is known.

        Textual draws a refresh after it has passed through two message queues
        (the widget's idle check, the screen's update) and then waited for the
        screen's 60 fps tick; while other panes flood, each hop waits its turn
        in a busy loop, and the echo used to be drawn 5-25 ms after the pane
        knew it. This does what the screen's update tick does, for this pane,
        at once. It leans on Textual 8's Screen internals; if they change the
        pane falls back to the next frame, and `test_focused_echo_is_drawn_at_once`
        fails to say so.
        """
        screen = self.screen
        dirty = getattr(screen, "_dirty_widgets", None)
        update = getattr(screen, "_on_timer_update", None)
        if isinstance(dirty, set) and callable(update) and screen.is_current:
            dirty.add(self)
            update()

    def on_screen_updated(self, event: ScreenUpdated) -> None:
        """The same as `screen_updated()`, for an app that posts the event down."""
        event.stop()  # it must not bubble back up to the app that sent it
        if event.session_id == self.session_id:
            self.screen_updated()

    def on_session_exit(self, event: SessionExit) -> None:
        """The same as `session_exited()`, for an app that posts the event down."""
        event.stop()
        if event.session_id == self.session_id:
            self.session_exited(event.exit_code)

    def session_exited(self, exit_code: int) -> None:
        """Mark the child as ended; the app calls this on `SessionExit`."""
        self.exit_code = exit_code

    def watch_exit_code(self) -> None:
        """Show (or clear) the exit label and drop the cursor."""
        self._move_cursor(self.emulator)
        self.refresh()

    def sync_size(self) -> None:
        """Give the PTY this pane's size now (normally debounced after a resize)."""
        if self._resize_timer is not None:
            self._resize_timer.stop()
            self._resize_timer = None
        width, height = self.size
        if width < 1 or height < 1 or (width, height) == self._size_sent:
            return
        try:
            self.manager.resize(self.session_id, min(width, 1000), min(height, 1000))
        except SynkError:
            return
        self._size_sent = (width, height)
        self.resized_at = time.monotonic()

    # -- scrollback --------------------------------------------------------------

    def validate_scrollback_offset(self, offset: int) -> int:
        """Keep the view inside the scrollback."""
        emulator = self.emulator
        limit = 0 if emulator is None or emulator.alt_screen else emulator.scrollback_len
        return max(0, min(offset, limit))

    def watch_scrollback_offset(self) -> None:
        """A scrolled view shows other lines everywhere: repaint it all."""
        emulator = self.emulator
        if emulator is not None:
            # Output from now on moves the view along with the lines it shows.
            self._scrollback_len = emulator.scrollback_len
        self._drawn_frame.clear()  # other lines in every row: none is held
        self._move_cursor(emulator)
        self.refresh()

    def scroll_back(self, lines: int) -> None:
        """Show `lines` older lines (nothing to show in the alternate screen)."""
        self.scrollback_offset += lines

    def scroll_forward(self, lines: int) -> None:
        """Show `lines` newer lines; reaching the bottom is live again."""
        self.scrollback_offset -= lines

    def scroll_to_live(self) -> None:
        """Leave the scrollback view: show live output again."""
        self.scrollback_offset = 0

    def action_scroll_back_page(self) -> None:
        """Scroll the view back one page."""
        self.scroll_back(max(1, self.size.height - 1))

    def action_scroll_forward_page(self) -> None:
        """Scroll the view forward one page."""
        self.scroll_forward(max(1, self.size.height - 1))

    # -- selection ---------------------------------------------------------------

    @property
    def selected_text(self) -> str:
        """The selected text, lines joined by newlines, trailing blanks removed."""
        emulator = self.emulator
        if emulator is None or self._selection is None:
            return ""
        (first_line, first_col), (last_line, last_col) = sorted(self._selection)
        lines: list[str] = []
        for index in range(first_line, last_line + 1):
            if index >= emulator.rows or index < -emulator.scrollback_len:
                continue
            text = "".join(run for run, _ in emulator.row_runs(index))
            start = first_col if index == first_line else 0
            end = last_col + 1 if index == last_line else cell_len(text)
            lines.append(_slice_cells(text, start, end).rstrip())
        return "\n".join(lines)

    def copy_selection(self) -> str:
        """Copy the selection to the clipboard (OSC 52 out to the outer terminal)."""
        text = self.selected_text
        if text:
            self.app.copy_to_clipboard(text)
            self.post_message(self.SelectionCopied(self, text))
        return text

    def clear_selection(self) -> None:
        """Drop the selection highlight."""
        if self._selection is not None:
            self._selection = None
            self.refresh()

    def _selection_columns(self, index: int, width: int) -> tuple[int, int] | None:
        if self._selection is None:
            return None
        (first_line, first_col), (last_line, last_col) = sorted(self._selection)
        if not first_line <= index <= last_line:
            return None
        start = first_col if index == first_line else 0
        end = last_col + 1 if index == last_line else width
        return start, end

    # -- copy mode ---------------------------------------------------------------

    @property
    def in_copy_mode(self) -> bool:
        """Keys move a cursor over screen and scrollback instead of reaching the child."""
        return self._copy is not None

    @property
    def copy_mode(self) -> CopyMode | None:
        """The copy-mode state (cursor, selection, search), or None outside copy mode."""
        return self._copy

    def enter_copy_mode(self) -> bool:
        """Start copy mode at the terminal's cursor (or the view's top when scrolled back)."""
        emulator = self.emulator
        if emulator is None:
            return False
        if self._copy is not None:
            return True
        self.clear_selection()
        if self.scrollback_offset > 0:
            start = (-self.scrollback_offset, 0)
        else:
            x, y = emulator.cursor
            start = (y, x)
        self._copy = CopyMode(emulator, start)
        self._search_prompt = None
        self._copy_status = ""
        self._move_cursor(emulator)
        self.refresh()
        self.post_message(self.CopyModeChanged(self, True))
        return True

    def leave_copy_mode(self) -> None:
        """Back to live output; keys go to the child again."""
        if self._copy is None:
            return
        self._copy = None
        self._search_prompt = None
        self._selection = None
        self.scroll_to_live()
        self._move_cursor(self.emulator)
        self.refresh()
        self.post_message(self.CopyModeChanged(self, False))

    def _copy_key(self, key: str, character: str | None) -> None:
        """One key in copy mode (or in its search prompt)."""
        copy = self._copy
        if copy is None:
            return
        if self._search_prompt is not None:
            self._search_key(key, character)
            return
        page = max(1, self.size.height - 1)
        if key == "escape" or character == "q":
            self.leave_copy_mode()
            return
        if character == "y" or key == "enter":
            self._copy_and_leave()
            return
        if key in ("left", "h"):
            copy.move(columns=-1)
        elif key in ("right", "l"):
            copy.move(columns=1)
        elif key in ("up", "k"):
            copy.move(lines=-1)
        elif key in ("down", "j"):
            copy.move(lines=1)
        elif key in ("pageup", "shift+pageup", "ctrl+b"):
            copy.move(lines=-page)
        elif key in ("pagedown", "shift+pagedown", "ctrl+f"):
            copy.move(lines=page)
        elif character == "g":
            copy.top()
        elif character == "G":
            copy.bottom()
        elif key == "home" or character == "0":
            copy.line_start()
        elif key == "end" or character == "$":
            copy.line_end()
        elif character == "v" or key == "space":
            copy.toggle_selection()
        elif character in ("/", "?"):
            self._search_forward = character == "/"
            self._search_prompt = ""
        elif character in ("n", "N"):
            self._show_match(copy.next_match(reverse=character == "N") is not None)
        self._follow_copy_cursor()

    def _search_key(self, key: str, character: str | None) -> None:
        """A key typed into the search prompt: Enter searches, Esc closes it."""
        copy = self._copy
        typed = self._search_prompt
        if copy is None or typed is None:
            return
        if key == "escape":
            self._search_prompt = None
        elif key == "enter":
            self._search_prompt = None
            if typed:
                self._show_match(copy.search(typed, self._search_forward) is not None)
        elif key in ("backspace", "ctrl+h"):
            self._search_prompt = typed[:-1]
        elif character is not None:
            self._type_search(character)
            return
        self._follow_copy_cursor()

    def _type_search(self, text: str) -> None:
        """Add typed or pasted text to the search prompt (one line, bounded)."""
        typed = self._search_prompt or ""
        line = "".join(char for char in text.split("\n", 1)[0] if char.isprintable())
        self._search_prompt = (typed + line)[:SEARCH_PATTERN_LIMIT]
        self.refresh(Region(0, self.size.height - 1, self.size.width, 1))

    def _show_match(self, found: bool) -> None:
        """Put the search's result in the copy-mode label."""
        copy = self._copy
        if copy is None:
            return
        pattern = safe_text(copy.pattern, 40)
        if found:
            self._copy_status = f" {pattern}: {copy.count_matches()} found"
        else:
            self._copy_status = f" {pattern}: not found"

    def _copy_and_leave(self) -> None:
        """`y` / Enter: copy the selection (OSC 52, as a mouse selection) and leave."""
        copy = self._copy
        if copy is None or copy.selection is None:
            return
        self._selection = copy.selection
        self.copy_selection()
        self.leave_copy_mode()

    def _follow_copy_cursor(self) -> None:
        """Scroll the view so the copy cursor shows; the selection follows it."""
        copy = self._copy
        if copy is None:
            return
        self._selection = copy.selection
        line = copy.cursor[0]
        height = max(1, self.size.height)
        offset = self.scrollback_offset
        if line + offset < 0:
            offset = -line
        elif line + offset >= height:
            offset = height - 1 - line
        if offset != self.scrollback_offset:
            self.scrollback_offset = offset  # repaints everything
        self.refresh()

    # -- lifecycle ---------------------------------------------------------------

    def on_mount(self) -> None:
        """Until Textual shows the pane, its session posts no screen updates."""
        self._set_visible(False)

    def on_show(self) -> None:
        """Shown again: resume updates and repaint everything once."""
        self._shown = True
        self._set_visible(True)
        emulator = self.emulator
        if emulator is not None:
            emulator.take_dirty()  # all of it is repainted now
            grew = emulator.scrollback_len - self._scrollback_len
            if self._copy is not None:
                self._copy.screen_changed()
                if grew > 0:  # output while hidden: the copy cursor stays on its text
                    self._copy.shift(grew)
                    self._selection = self._copy.selection
                    self.scrollback_offset += grew
            self._scrollback_len = emulator.scrollback_len
            self._screen_shape = (emulator.cols, emulator.rows)
        self._move_cursor(emulator)
        self.refresh()

    def on_hide(self) -> None:
        """Hidden: no more rendering work until shown again."""
        self._shown = False
        self._set_visible(False)

    def on_unmount(self) -> None:
        """The session outlives the pane: leave it parsing in the background."""
        self._set_visible(False)

    def on_resize(self) -> None:
        """The first size goes to the PTY at once; later ones are debounced."""
        if self._size_sent is None:
            self.sync_size()
        else:
            if self._resize_timer is not None:
                self._resize_timer.stop()
            self._resize_timer = self.set_timer(RESIZE_DEBOUNCE, self.sync_size)
        self.refresh()

    def on_focus(self) -> None:
        """The typed-into session parses first; tell the child if it asked (1004)."""
        with contextlib.suppress(SynkError):
            self.manager.set_priority(self.session_id)
        emulator = self.emulator
        if emulator is not None and emulator.focus_events:
            self.send(encode_focus(True))
        self._refresh_cursor()
        self.post_message(self.Focused(self))

    def on_blur(self) -> None:
        """Hide the cursor, and report focus-out if the child asked (1004)."""
        emulator = self.emulator
        if emulator is not None and emulator.focus_events:
            self.send(encode_focus(False))
        self._refresh_cursor()

    def notify_style_update(self) -> None:
        """CSS changed: the default colours (and so every cached Style) may have."""
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()
        self._base_style = None

    def _set_visible(self, visible: bool) -> None:
        with contextlib.suppress(SynkError):
            self.manager.set_visible(self.session_id, visible)

    # -- input -------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Send the key to the child (or move the scrollback view)."""
        emulator = self.emulator
        key = event.key
        if emulator is None:
            return
        if self._copy is not None:
            event.stop()
            event.prevent_default()
            self._copy_key(key, event.character if event.is_printable else None)
            return
        if key in ("shift+pageup", "shift+pagedown") and not emulator.alt_screen:
            # The pane's own, as in xterm (even with no scrollback yet, so the
            # shell never sees a key it would print as junk); in the alternate
            # screen there is no scrollback and the program gets the key.
            return  # bubbles to our BINDINGS
        event.stop()
        event.prevent_default()
        if self.scrollback_offset > 0:
            if key in _SCROLLBACK_NAV_KEYS:
                self._scrollback_key(key)
                return
            self.scroll_to_live()
        if self.exit_code is not None:
            return
        data = encode_key(
            key,
            event.character,
            app_cursor_keys=emulator.app_cursor_keys,
            app_keypad=emulator.app_keypad,
            kitty_flags=emulator.kitty_keyboard_flags,
        )
        if data:
            self.clear_selection()
            self.send(data)

    def _scrollback_key(self, key: str) -> None:
        page = max(1, self.size.height - 1)
        if key == "up":
            self.scroll_back(1)
        elif key == "down":
            self.scroll_forward(1)
        elif key in ("pageup", "shift+pageup"):
            self.scroll_back(page)
        elif key in ("pagedown", "shift+pagedown"):
            self.scroll_forward(page)
        elif key == "home":
            emulator = self.emulator
            self.scrollback_offset = emulator.scrollback_len if emulator is not None else 0
        else:  # end, escape
            self.scroll_to_live()

    def on_paste(self, event: events.Paste) -> None:
        """Paste goes to the child, bracketed when it enabled 2004."""
        event.stop()
        event.prevent_default()
        emulator = self.emulator
        if emulator is None or not event.text:
            return
        if self._copy is not None:
            if self._search_prompt is not None:  # pasted into the search prompt
                self._type_search(event.text)
                return
            self.leave_copy_mode()
        self.scroll_to_live()
        self.clear_selection()
        self.send(encode_paste(event.text, emulator.bracketed_paste))

    def _cell(self, event: events.MouseEvent, emulator: TerminalEmulator) -> tuple[int, int]:
        offset = event.get_content_offset_capture(self)
        x = max(0, min(offset.x, emulator.cols - 1))
        y = max(0, min(offset.y, emulator.rows - 1))
        return x, y

    def _wants_mouse(self, event: events.MouseEvent, emulator: TerminalEmulator) -> bool:
        """Reports go to the child when it asked; shift is the way around it."""
        return (
            emulator.mouse_mode != 0
            and not event.shift
            and self.scrollback_offset == 0
            and self.exit_code is None
        )

    def _report(
        self, action: MouseAction, event: events.MouseEvent, emulator: TerminalEmulator
    ) -> None:
        x, y = self._cell(event, emulator)
        data = encode_mouse(
            action,
            event.button,
            x,
            y,
            mode=emulator.mouse_mode,
            sgr=emulator.mouse_sgr,
            shift=event.shift,
            alt=event.meta,
            ctrl=event.ctrl,
        )
        if data:
            self.send(data)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        """Report the press to the child, or start a selection."""
        event.stop()
        self.post_message(self.Clicked(self))
        if not self.has_focus:
            self.focus()
        emulator = self.emulator
        if emulator is None:
            return
        if self._wants_mouse(event, emulator):
            self._mouse_reporting = True
            self.capture_mouse()
            self._report("press", event, emulator)
            return
        if event.button == 1:
            self.leave_copy_mode()
            self.clear_selection()
            point = self._content_point(event)
            self._selection = (point, point)
            self._selecting = True
            self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        """Extend a selection, or report motion when the child tracks it."""
        emulator = self.emulator
        if emulator is None:
            return
        if self._selecting and self._selection is not None:
            offset = event.get_content_offset_capture(self)
            if offset.y < 0:
                self.scroll_back(1)
            elif offset.y >= self.size.height:
                self.scroll_forward(1)
            self._selection = (self._selection[0], self._content_point(event))
            self.refresh()
            return
        if emulator.mouse_mode in (1002, 1003) and self._wants_mouse(event, emulator):
            self._report("motion", event, emulator)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        """Finish a selection (and copy it), or report the release."""
        event.stop()
        emulator = self.emulator
        if self._selecting:
            self._selecting = False
            self.release_mouse()
            if self._selection is not None and self._selection[0] == self._selection[1]:
                self.clear_selection()  # a plain click selects nothing
            else:
                self.copy_selection()
            return
        if self._mouse_reporting:
            self._mouse_reporting = False
            self.release_mouse()
            if emulator is not None and self._wants_mouse(event, emulator):
                self._report("release", event, emulator)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """Wheel: to the child if it asked, else the scrollback (arrows in alt screen)."""
        event.stop()
        self._wheel("scroll_up", event)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """Wheel down: see `on_mouse_scroll_up`."""
        event.stop()
        self._wheel("scroll_down", event)

    def _wheel(self, action: MouseAction, event: events.MouseEvent) -> None:
        emulator = self.emulator
        if emulator is None:
            return
        if self._wants_mouse(event, emulator):
            self._report(action, event, emulator)
        elif emulator.alt_screen and self.exit_code is None:
            # What xterm's alternateScroll does: less and man scroll with the wheel.
            arrow = encode_key(
                "up" if action == "scroll_up" else "down",
                app_cursor_keys=emulator.app_cursor_keys,
            )
            if arrow:
                self.send(arrow * WHEEL_LINES)
        elif action == "scroll_up":
            self.scroll_back(WHEEL_LINES)
        else:
            self.scroll_forward(WHEEL_LINES)

    def _content_point(self, event: events.MouseEvent) -> tuple[int, int]:
        """A mouse position as (emulator line index, column), stable under scrolling."""
        offset = event.get_content_offset_capture(self)
        y = max(0, min(offset.y, self.size.height - 1))
        x = max(0, min(offset.x, self.size.width - 1))
        return y - self.scrollback_offset, x

    # -- painting ------------------------------------------------------------------

    def _next_background_paint(self, now: float) -> float:
        """When this unfocused pane may repaint next (monotonic seconds).

        Half a frame after its last repaint at the earliest, and on this pane's
        own phase of the frame clock: unfocused panes that flood together take
        turns instead of landing in one long frame that a keystroke waits for.
        """
        frame = self.typing_frame if self.manager.typing else self.background_frame
        phase = (self.session_id * _GOLDEN) % 1.0 * frame
        earliest = max(now, self._painted_at + frame / 2)
        return math.ceil((earliest - phase) / frame) * frame + phase

    def _background_paint(self) -> None:
        """Its turn came: paint (asking `screen_updated` again would find the
        turn a hair past and wait a whole frame more)."""
        self._paint_timer = None
        emulator = self.emulator
        if self._shown and emulator is not None:
            self._paint(emulator)

    def _sync_poll(self) -> None:
        self._sync_timer = None
        self.screen_updated()

    def _schedule_sync_poll(self) -> None:
        """Look again soon: a held frame repaints when it ends or times out."""
        if self._sync_timer is None:
            self._sync_timer = self.set_timer(SYNC_POLL, self._sync_poll)

    def _frame_held(self, emulator: TerminalEmulator) -> bool:
        """Whether the child's open synchronized-output frame is still kept off screen.

        A frame is held for at most `sync_timeout` from when the pane first saw
        it; after that its updates show as they come, until the next frame.
        """
        if not emulator.synchronized:
            return False
        now = time.monotonic()
        if emulator.sync_frame != self._sync_frame:
            self._sync_frame = emulator.sync_frame
            self._sync_since = now
        return now - self._sync_since < self.sync_timeout

    @property
    def _has_keys(self) -> bool:
        """Whether the pane is the screen's focus now.

        `has_focus` is set by Widget's own Focus/Blur handler, which runs after
        this class's `on_focus`/`on_blur`: read there, it still says the old
        value, and the cursor stayed in the pane left and missed the one
        entered. The screen's `focused` has already moved.
        """
        return self.is_attached and self.screen.focused is self

    def _cursor_position(self, emulator: TerminalEmulator) -> tuple[int, int] | None:
        """Where the cursor belongs in the view now, or None when it is not drawn."""
        if not (self._has_keys and emulator.cursor_visible and self.exit_code is None):
            return None
        if self._copy is not None:
            return None  # the copy-mode cursor is drawn instead
        x, y = emulator.cursor
        view_y = y + self.scrollback_offset
        if not 0 <= view_y < self.size.height:
            return None
        return x, view_y

    def _move_cursor(self, emulator: TerminalEmulator | None) -> set[int]:
        """Take a new cursor snapshot; returns the view rows to repaint for it.

        `render_line` draws the cursor from this snapshot rather than from the
        emulator's live position, so a row is only ever drawn with the cursor
        the last refresh accounted for, and no stale cursor is left behind.
        """
        cursor = None if emulator is None else self._cursor_position(emulator)
        if cursor == self._cursor_at:
            return set()
        rows = {position[1] for position in (self._cursor_at, cursor) if position is not None}
        self._cursor_at = cursor
        return rows

    def _refresh_cursor(self) -> None:
        width = self.size.width
        for row in self._move_cursor(self.emulator):
            self.refresh(Region(0, row, width, 1))

    def _repaint_changes(self, emulator: TerminalEmulator) -> None:
        """Refresh the rows that changed since the last repaint, and only them."""
        self._painted_at = time.monotonic()
        dirty = emulator.take_dirty()
        self._post_status_changes(emulator)
        width, height = self.size
        shape = (emulator.cols, emulator.rows)
        scrollback_len = emulator.scrollback_len
        grew = scrollback_len - self._scrollback_len
        self._scrollback_len = scrollback_len
        if self._copy is not None:
            self._copy.screen_changed()
        if (self.scrollback_offset > 0 or self._copy is not None) and grew > 0:
            # Keep the lines the person is reading where they are.
            if self._copy is not None:
                self._copy.shift(grew)
                self._selection = self._copy.selection
            self.scrollback_offset += grew  # its watcher repaints everything
            return
        if shape != self._screen_shape:
            self._screen_shape = shape
            self._move_cursor(emulator)
            self.refresh()
            return
        if self._selection is not None and dirty and not self._selecting and self._copy is None:
            lines = [line for line, _ in self._selection]
            if any(min(lines) <= row <= max(lines) for row in dirty):
                self.clear_selection()  # the selected text is gone
        rows = {row + self.scrollback_offset for row in dirty}
        rows |= self._move_cursor(emulator)
        rows |= self._held_rows
        self._held_rows.clear()
        rows = {row for row in rows if 0 <= row < height}
        if len(rows) * 2 > height:
            self.refresh()
            return
        for row in sorted(rows):
            self.refresh(Region(0, row, width, 1))

    def _post_status_changes(self, emulator: TerminalEmulator) -> None:
        title = emulator.title
        if title != self._title:
            self._title = title
            self.post_message(self.TitleChanged(self, safe_text(title)))
        bells = emulator.bell_count
        if bells != self._bells:
            self._bells = bells
            self.post_message(self.Bell(self))

    def _style(self, key: StyleKey) -> Style:
        style = self._styles.get(key)
        if style is None:
            style = self._styles[key] = self._base() + style_from_key(key)
        return style

    def _base(self) -> Style:
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def render_line(self, y: int) -> Strip:
        """One row of the view: the emulator's runs, plus cursor, selection, labels."""
        width = self.size.width
        base = self._base()
        emulator = self.emulator
        if emulator is None:
            return Strip.blank(width, base)
        index = y - self.scrollback_offset
        held = self._drawn_frame.get(y) if self._frame_held(emulator) else None
        if held is not None and held.cell_length != width:
            held = None
        if held is not None:
            # Refreshed for another reason mid-frame: the half-drawn frame stays off.
            strip = held
            self._held_rows.add(y)
            self._schedule_sync_poll()
        elif index >= emulator.rows or index < -emulator.scrollback_len:
            strip = Strip.blank(width, base)
        else:
            runs = tuple(emulator.row_runs(index))
            cached = self._strips.get(runs)
            if cached is None or cached.cell_length != width:
                style = self._style
                segments = [Segment(text, style(key)) for text, key in runs]
                cached = Strip(segments, emulator.cols if index >= 0 else None)
                cached = cached.adjust_cell_length(width, base)
                if len(self._strips) >= max(STRIP_CACHE_MIN, STRIP_CACHE_ROWS * self.size.height):
                    self._strips.clear()
                self._strips[runs] = cached
            strip = cached
        if held is None:
            self._drawn_frame[y] = strip
        if self._copy is not None:
            strip = self._draw_matches(strip, index)
        columns = self._selection_columns(index, width)
        if columns is not None:
            selection = self.get_component_rich_style("terminal-pane--selection", partial=True)
            strip = _overlay(strip, columns[0], columns[1], selection, invert=True)
        cursor = self._cursor_at
        if cursor is not None and cursor[1] == y:
            strip = self._draw_cursor(strip, cursor[0], emulator.cursor_shape)
        copy = self._copy
        if copy is not None and copy.cursor[0] == index:
            strip = _overlay(strip, copy.cursor[1], copy.cursor[1] + 1, None, invert=True)
        if copy is not None and self._search_prompt is not None and y == self.size.height - 1:
            return self._draw_search_prompt(width)
        label = ""
        if y == 0 and copy is not None:
            label = (
                f" COPY [{self.scrollback_offset}/{emulator.scrollback_len}]{self._copy_status} "
            )
        elif y == 0 and self.scrollback_offset > 0:
            label = f" scrollback {self.scrollback_offset}/{emulator.scrollback_len} · End: live "
        elif y == self.size.height - 1 and self.exit_code is not None:
            hint = f"\u00b7 {self.exit_hint} " if self.exit_hint else ""
            label = f" process exited ({self.exit_code}) {hint}"
        if label and width > 0:
            label = label[-width:]
            label_style = self.get_component_rich_style("terminal-pane--indicator")
            left = strip.crop(0, max(0, width - cell_len(label)))
            strip = Strip.join([left, Strip([Segment(label, label_style)], cell_len(label))])
        return strip

    def _draw_matches(self, strip: Strip, index: int) -> Strip:
        """Highlight the copy-mode search matches in one row."""
        copy = self._copy
        if copy is None or not copy.pattern:
            return strip
        spans = copy.matches_in_row(index)
        if spans:
            style = self.get_component_rich_style("terminal-pane--match")
            for start, end in spans:
                strip = _overlay(strip, start, end, style, invert=False)
        return strip

    def _draw_search_prompt(self, width: int) -> Strip:
        """The bottom row while a search is typed: `/pattern` or `?pattern`."""
        style = self.get_component_rich_style("terminal-pane--prompt")
        typed = safe_text(self._search_prompt or "", SEARCH_PATTERN_LIMIT)
        text = ("/" if self._search_forward else "?") + typed + "\u2588"
        text = text[-width:] if width > 0 else ""
        strip = Strip([Segment(text, style)], cell_len(text))
        return strip.adjust_cell_length(width, style)

    def _draw_cursor(self, strip: Strip, x: int, shape: int) -> Strip:
        """The cursor cell in the shape the child chose (DECSCUSR)."""
        if x >= strip.cell_length:
            return strip
        if shape in _CURSOR_BLOCK:
            return _overlay(strip, x, x + 1, None, invert=True)
        if shape in _CURSOR_UNDERLINE:
            return _overlay(strip, x, x + 1, Style(underline=True), invert=False)
        # Bar: a thin bar in an empty cell, a reversed cell over a character.
        before, cell, after = strip.divide([x, x + 1, strip.cell_length])
        if cell.text.strip():
            return _overlay(strip, x, x + 1, None, invert=True)
        segments = list(cell)
        bar_style = segments[0].style if segments else None
        return Strip.join([before, Strip([Segment("\u258f", bar_style)], 1), after])
