"""``grade stub --rubric RUBRIC``: write a starter ``submission.py`` from a rubric's interface.

The starter has every function with its signature and a docstring giving the
shapes, and ``raise NotImplementedError`` as its body: it imports, and it grades
to zero without crashing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exit_codes import ExitCode
from . import PlainHelp, say_error
from ..rubric.errors import RubricError
from ..rubric.loader import load_rubric
from ..rubric.model import Function, Rubric, Shape, ValueSpec


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade stub", description=__doc__.split("\n\n")[0],
                                     formatter_class=PlainHelp)
    parser.add_argument("--rubric", "-r", type=Path, required=True, help="the assignment's YAML rubric")
    parser.add_argument("--output", "-o", type=Path, help="write here instead of stdout (never overwrites)")
    return parser


def main(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    try:
        rubric = load_rubric(options.rubric)
    except RubricError as exc:
        say_error("grade stub", exc)
        return ExitCode.USAGE_ERROR
    text = render_stub(rubric)
    if options.output is None:
        sys.stdout.write(text)
        return ExitCode.OK
    if options.output.exists():
        print(f"grade stub: error: {options.output} exists; not overwriting it", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    options.output.write_text(text, encoding="utf-8")
    print(f"wrote {options.output}: fill in the functions, then run "
          f"grade {options.output} --rubric {options.rubric}", file=sys.stderr)
    return ExitCode.OK


def render_stub(rubric: Rubric) -> str:
    """The starter module's source."""
    header = [f'"""{rubric.title}: starter code.', ""]
    if rubric.description:
        header += [rubric.description.strip(), ""]
    header += ["Implement every function below with numpy. Arrays are float64 unless marked int; scalars arrive as "
               "Python floats (ints where marked).",
               '"""', "", "import numpy as np", ""]
    blocks = [_function(f) for f in rubric.functions.values()]
    blocks += [_constant(c) for c in rubric.constants.values()]
    return "\n".join(header) + "\n\n" + "\n\n\n".join(blocks) + "\n"


def _describe(shape: Shape, dtype: str = "float") -> str:
    if dtype == "int":
        return "an int" if not shape.dims else f"int array of shape {shape}"
    return "a float" if not shape.dims else f"array of shape {shape}"


def _function(function: Function) -> str:
    lines = [f"def {function.name}({', '.join(function.param_names)}):", f'    """{function.doc or function.name}']
    if function.params:
        lines += ["", "    Parameters:"]
        lines += [f"        {p.name}: {_describe(p.shape, p.dtype)}" + (f" — {p.doc}" if p.doc else "")
                  for p in function.params]
    lines += ["", _returns(function.returns), *[_value_line(r) for r in function.returns], '    """',
              "    raise NotImplementedError"]
    return "\n".join(lines)


def _returns(returns: tuple[ValueSpec, ...]) -> str:
    if len(returns) == 1:
        return "    Returns:"
    return f"    Returns the tuple ({', '.join(r.name for r in returns)}):"


def _value_line(value: ValueSpec) -> str:
    return f"        {value.name}: {_describe(value.shape)}" + (f" — {value.doc}" if value.doc else "")


def _constant(value: ValueSpec) -> str:
    return f"# {value.doc or value.name} ({_describe(value.shape)})\n{value.name} = None"
