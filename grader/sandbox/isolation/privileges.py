"""No-new-privs and an empty capability set.

Stops: gaining privileges through setuid binaries or file capabilities, and using the
capabilities that root inside the user namespace holds (mount, chown, overriding permissions).

Traps:
- no-new-privs is also what lets an unprivileged process install Landlock and seccomp filters,
  so it comes before them.
- Dropping the bounding set needs CAP_SETPCAP; without it the set is kept (and reported), the
  effective, permitted and inheritable sets are still emptied.
- Root without a user namespace holds real capabilities (it could unmount what hides the host):
  the bounding set is dropped before it switches to uid 65534 (user.py; the switch needs
  CAP_SETUID and then loses CAP_SETPCAP), the other sets are emptied after the switch.
"""

from __future__ import annotations

import ctypes

from ._syscalls import (_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS,
                        _check, _err, _prctl)
from .status import CAPABILITIES, NO_NEW_PRIVS, LayerStatus

_LINUX_CAPABILITY_VERSION_3 = 0x20080522
_EINVAL = 22


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def _set_no_new_privs(libc: ctypes.CDLL) -> LayerStatus:
    try:
        _prctl(libc, _PR_SET_NO_NEW_PRIVS, 1)
    except OSError as exc:
        return LayerStatus(NO_NEW_PRIVS, False, _err(exc))
    return LayerStatus(NO_NEW_PRIVS, True, "setuid binaries and file capabilities grant nothing")


def _drop_bounding_set(libc: ctypes.CDLL) -> bool:
    """Drop every capability from the bounding set and clear the ambient set; False without CAP_SETPCAP."""
    bounding_dropped = True
    for cap in range(64):  # until EINVAL, past the kernel's last capability (cheaper than reading /proc)
        try:
            _prctl(libc, _PR_CAPBSET_DROP, cap)
        except OSError as exc:
            bounding_dropped = exc.errno == _EINVAL
            break
    try:
        _prctl(libc, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError:
        pass  # kernels before 4.3 have no ambient set
    return bounding_dropped


def _drop_capabilities(libc: ctypes.CDLL, bounding_dropped: bool | None = None) -> LayerStatus:
    """Empty the effective, permitted and inheritable sets (and the bounding set, unless the caller
    already dropped it: `bounding_dropped` is then what _drop_bounding_set returned)."""
    if bounding_dropped is None:
        bounding_dropped = _drop_bounding_set(libc)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    try:
        _check(libc.capset(ctypes.byref(header), data), "capset")
    except (OSError, AttributeError) as exc:
        return LayerStatus(CAPABILITIES, False, f"capset: {exc}")
    detail = "no capabilities left (cannot mount, unmount, chown, override permissions)"
    if not bounding_dropped:
        detail += "; bounding set kept (no CAP_SETPCAP)"
    return LayerStatus(CAPABILITIES, True, detail)
