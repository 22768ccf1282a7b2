"""``grade doctor``: which sandbox layers are active on this machine."""

from __future__ import annotations

import argparse
import platform

from rich.table import Table
from rich.text import Text

from .. import __version__
from . import PlainHelp
from ..exit_codes import ExitCode
from ..report.terminal import make_console, show
from ..sandbox.isolation import probe_layers
from ..sandbox.launcher import default_launcher


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="grade doctor", description=__doc__, formatter_class=PlainHelp)
    parser.parse_args(argv)
    console = make_console()
    launcher = default_launcher()
    try:
        lines: list = [Text(f"grade {__version__} on {platform.system()} {platform.release()}, Python "
                            f"{platform.python_version()}, workers started by: {launcher.name}", overflow="fold")]
    finally:
        launcher.close()
    layers = probe_layers()
    table = Table(title="sandbox layers", title_justify="left")
    table.add_column("layer")
    table.add_column("active", no_wrap=True)
    table.add_column("what it does here / why not", overflow="fold")
    for layer in layers:
        table.add_row(Text(layer.name), Text("yes", style="green") if layer.active else Text("no", style="red"),
                      Text(layer.detail))
    lines.append(table)
    missing = [layer.name for layer in layers if not layer.active]
    if missing:
        lines.append(Text(f"warning: not isolated by {', '.join(missing)}; see the README's security model",
                          style="yellow"))
    show(console, lines)  # sizes read as 2 GiB and 64 MiB (see sandbox.limits.readable_bytes)
    return ExitCode.OK


