"""Read YAML while remembering the line of every key, so errors can point at it.

Every YAML file the grader reads goes through :func:`read_yaml`, which bounds what a
careless or hostile file can cost: its size, its nesting depth and the size of the
document once aliases are expanded (a few hundred bytes of "billion laughs" would
otherwise expand to gigabytes). Each limit gives a located error. The document is
parsed once, with libyaml's C parser where it is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from .errors import KeyPath, RubricError

if TYPE_CHECKING:
    import yaml

MAX_BYTES = 4 << 20
MAX_DEPTH = 64
MAX_NODES = 200_000  # nodes of the document with every alias expanded


@dataclass(frozen=True)
class YamlSource:
    """A parsed YAML document and the 1-based line of each key path in it."""

    file: Path
    data: Any
    lines: Mapping[KeyPath, int]

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, path: KeyPath, message: str) -> RubricError:
        return RubricError(self.file, self.line_of(path), path, message)


def read_text(file: Path, what: str = "rubric") -> str:
    """The file's text, size-capped; problems become a :class:`RubricError` naming the file."""
    try:
        with open(file, "rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise RubricError(file, None, (), f"cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise RubricError(file, None, (), f"larger than {MAX_BYTES >> 20} MiB: not a {what}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RubricError(file, None, (), f"cannot read {what}: not UTF-8 ({exc.reason} at byte {exc.start})") from None


def read_yaml(file: Path, what: str = "rubric") -> YamlSource:
    """Parse ``file`` within the limits; a syntax error or a limit becomes a located :class:`RubricError`."""
    return parse_yaml(file, read_text(file, what))


def parse_yaml(file: Path, text: str) -> YamlSource:
    """Parse ``text`` (the contents of ``file``) within the limits."""
    import yaml  # not needed when a validated rubric comes from the cache

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_depth(file, text, loader_class)
        loader = loader_class(text)
        try:
            node = loader.get_single_node()
            _check_expansion(file, node)
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise RubricError(file, line, (), f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise RubricError(file, None, (), f"invalid YAML: {exc}") from None
    lines: dict[KeyPath, int] = {}
    if node is not None:
        _collect_lines(node, lines)
    return YamlSource(file, data, lines)


def _check_depth(file: Path, text: str, loader_class: type) -> None:
    """Refuse deep nesting before composing (the composer recurses once per level)."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise RubricError(file, event.start_mark.line + 1, (),
                                  f"nested more than {MAX_DEPTH} levels deep")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_expansion(file: Path, root: yaml.Node | None) -> None:
    """Refuse a document whose aliases expand it beyond :data:`MAX_NODES` (linear time: sizes are memoised)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)] if root is not None else []
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + sum(sizes[id(child)] for child in children)
        if size > MAX_NODES:
            raise RubricError(file, node.start_mark.line + 1, (),
                              f"aliases expand this document beyond {MAX_NODES} values")
        sizes[id(node)] = size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if node.id == "mapping":
        return [n for pair in node.value for n in pair]
    if node.id == "sequence":
        return list(node.value)
    return []


def _collect_lines(root: yaml.Node, lines: dict[KeyPath, int]) -> None:
    """The line of every key path; an aliased node is walked once (its first path), never expanded."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.id == "mapping":
            for key_node, value_node in node.value:
                child = path + (key_node.value,)
                lines[child] = key_node.start_mark.line + 1
                stack.append((value_node, child))
        elif node.id == "sequence":
            stack.extend((item, path + (index,)) for index, item in enumerate(node.value))
