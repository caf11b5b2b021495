"""Text is text in charts: client names never become matplotlib mathtext.

matplotlib reads a label holding two ``$`` as mathematics: ``Partners $$`` fails to draw,
``Events $5 & $10`` is typeset as a formula, and ``_``, ``^`` or ``\\`` between dollars turn
into sub- and superscripts or commands. Every chart of :mod:`cac_toolkit.render.plots` is
passed through :func:`literal_figure` once built: each text artist is drawn with mathtext off,
and each axis's tick formatter is wrapped so that the labels it makes at drawing time (channel
names on a categorical axis, amounts such as ``$1,500``) have their ``$`` escaped.
"""

from __future__ import annotations

from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter


def escape_math(text: str) -> str:
    """``text`` as matplotlib shows it literally: every ``$`` written ``\\$``.

    With no unescaped dollar, matplotlib draws the string as plain text and turns each
    ``\\$`` back into ``$``; ``_``, ``^`` and ``\\`` outside mathematics are plain characters.
    """
    return text.replace("$", "\\$")


class LiteralFormatter(Formatter):
    """A tick formatter whose labels are those of ``inner`` with their ``$`` escaped."""

    def __init__(self, inner: Formatter) -> None:
        self.inner = inner

    def __call__(self, x: float, pos: int | None = None) -> str:
        return escape_math(str(self.inner(x, pos)))

    def format_ticks(self, values: list[float]) -> list[str]:
        return [escape_math(str(label)) for label in self.inner.format_ticks(values)]

    def set_axis(self, axis: Axis | None) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def set_locs(self, locs: list[float]) -> None:
        self.inner.set_locs(locs)

    def get_offset(self) -> str:
        return escape_math(str(self.inner.get_offset()))

    def format_data(self, value: float) -> str:
        return self.inner.format_data(value)

    def format_data_short(self, value: float) -> str:
        return self.inner.format_data_short(value)


def _wrap(axis: Axis) -> None:
    for get, set_ in ((axis.get_major_formatter, axis.set_major_formatter),
                      (axis.get_minor_formatter, axis.set_minor_formatter)):
        formatter = get()
        if not isinstance(formatter, LiteralFormatter):
            default = axis.isDefault_majfmt if set_ == axis.set_major_formatter else (
                axis.isDefault_minfmt)
            set_(LiteralFormatter(formatter))
            if set_ == axis.set_major_formatter:
                axis.isDefault_majfmt = default
            else:
                axis.isDefault_minfmt = default


#: rc parameters under which a chart is built: texts created meanwhile are never mathtext.
LITERAL_RC = {"text.parse_math": False}


def literal_figure(fig: Figure) -> Figure:
    """Make every text of ``fig`` literal (see the module docstring); returns ``fig``.

    Tick labels are the exception: the wrapped formatter escapes their ``$`` each time the
    figure is drawn, so they keep matplotlib's default reading (which unescapes ``\\$``),
    like the tick labels matplotlib creates later at drawing time.
    """
    for text in fig.findobj(Text):
        text.set_parse_math(False)
    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            _wrap(axis)
            axis.offsetText.set_parse_math(True)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                for label in (tick.label1, tick.label2):
                    label.set_parse_math(True)
    return fig
