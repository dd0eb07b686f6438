"""Which local process is on the other end of a loopback connection (Linux /proc).

localcloud's stand-in for "internal" ingress: on Google, internal traffic comes from the project's
own VPC resources; here, from the revision processes localcloud itself runs.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PROC = Path("/proc")


def _socket_inode(client_port: int, server_port: int) -> int | None:
    """The inode of the client-side socket of a loopback connection, from /proc/net/tcp{,6}."""
    for table in ("tcp", "tcp6"):
        with contextlib.suppress(OSError):
            for line in (PROC / "net" / table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if local_port == client_port and remote_port == server_port:
                    return int(fields[9])
    return None


def _process_group(pid: str) -> int | None:
    try:
        stat = (PROC / pid / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[2])


def connection_from_groups(client_port: int, server_port: int, groups: set[int]) -> bool:
    """True if the client socket of this connection belongs to a process in one of `groups`."""
    if not groups:
        return False
    inode = _socket_inode(client_port, server_port)
    if inode is None:
        return False
    target = f"socket:[{inode}]"
    for pid in (entry.name for entry in PROC.iterdir() if entry.name.isdigit()):
        if _process_group(pid) not in groups:
            continue
        with contextlib.suppress(OSError):
            for fd in os.listdir(PROC / pid / "fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(PROC / pid / "fd" / fd) == target:
                        return True
    return False
