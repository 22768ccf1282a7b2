"""``grade doctor``: which sandbox layers are active on this machine."""

from __future__ import annotations

import argparse
import platform

from rich.table import Table
from rich.text import Text

from .. import __version__
from ..exit_codes import ExitCode
from ..report.terminal import make_console
from ..sandbox.isolation import probe_layers
from ..sandbox.launcher import default_launcher


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade doctor", description=__doc__)
    parser.parse_args(argv)
    console = make_console()
    launcher = default_launcher()
    try:
        console.print(f"grade {__version__} on {platform.system()} {platform.release()}, Python "
                      f"{platform.python_version()}, workers started by: {launcher.name}")
    finally:
        launcher.close()
    layers = probe_layers()
    table = Table(title="sandbox layers", title_justify="left")
    table.add_column("layer")
    table.add_column("active")
    table.add_column("what it does here / why not")
    for layer in layers:
        table.add_row(Text(layer.name), Text("yes", style="green") if layer.active else Text("no", style="red"),
                      Text(layer.detail))
    console.print(table)
    missing = [layer.name for layer in layers if not layer.active]
    if missing:
        console.print(Text(f"warning: not isolated by {', '.join(missing)}; see the README's security model",
                           style="yellow"))
    return ExitCode.OK


