"""Attack (forging the result): rewrite the report as it is displayed.

The student's printed output and error messages end up in the report. The student prints
terminal control sequences (cursor up, erase line, clear screen, set the window title, an
OSC 8 hyperlink, a carriage return over a fake line), rich console markup ("[green]✓ passed"),
and a fake score panel, and raises exceptions whose messages carry the same. Shown raw in a
terminal, they would overwrite the real score with "16 / 16".

Expected: the report shows these characters inertly (no escape character reaches the
output; markup is printed literally); the real score is 0; exit status 1.
"""

import sys

FAKE = "score       16 / 16  (100.0%)"
ESC = "\x1b"
TRICKS = [
    f"{ESC}[2J{ESC}[H",                      # clear the screen, cursor home
    f"{ESC}[1A{ESC}[2K" * 40 + FAKE,         # move up and erase 40 lines, then the fake score
    f"{ESC}]0;16 / 16 full marks\x07",        # window title
    f"{ESC}]8;;https://example.com\x07click{ESC}]8;;\x07",
    "junk\r" + FAKE,                           # carriage return over the line
    "[bold green]✓ passed[/bold green] [link=https://example.com]16 / 16[/link]",
    "\b" * 20 + FAKE,
]
TEXT = "\n".join(TRICKS)
print(TEXT)
print(TEXT, file=sys.stderr)


def forward(alpha, beta, x, y):
    raise ValueError(TEXT)


def backward(alpha, beta, x, y):
    raise RuntimeError(f"{ESC}[1A{ESC}[2K" * 10 + "[green]✓ passed[/green]")


def chain_rule(dy_dx, dz_dy):
    return {f"{ESC}[31m": 1.0}


def d_Ax_dx(A, x):
    raise KeyError(TEXT)


def linear_regression(X, y):
    print(TEXT)
    return None
