"""What a sandboxed interpreter must be able to read: its installation and the system's shared libraries.

Imported by the grader's own process too (to build a worker's spec), so it stays light.
"""

from __future__ import annotations

import functools
import os
import site
import sys

_SYSTEM_LIBRARY_PATHS = ("/etc/ld.so.cache", "/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")


def _contains(parent: str, child: str) -> bool:
    """Whether real path `child` is `parent` or lies beneath it."""
    return os.path.commonpath([parent, child]) == parent


@functools.lru_cache(maxsize=1)
def python_paths() -> tuple[str, ...]:
    """What the interpreter needs to import modules: its prefixes, site-packages and the system's shared
    libraries (numpy's extensions load libstdc++ from there). Not sys.path: it may hold the grader's checkout."""
    candidates = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *site.getsitepackages(),
                  *_SYSTEM_LIBRARY_PATHS]
    if site.ENABLE_USER_SITE:
        candidates.append(site.getusersitepackages())
    paths = sorted({os.path.realpath(p) for p in candidates if os.path.exists(p)})
    return tuple(p for p in paths if not any(q != p and _contains(q, p) for q in paths))
