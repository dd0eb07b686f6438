"""Loaded by every Python process started with this directory first on PYTHONPATH (the function
under fault tests, its gunicorn worker, its reader processes): the network is loopback only.

- A connection to any address that is not loopback is refused (ENETUNREACH) and written to the file
  named by FAULTS_GUARD_LOG, so the suite can show that nothing ever tried.
- Names resolve only from FAULTS_HOSTS (`name=address,...`), `localhost` and numeric addresses
  (as inet_aton reads them); every other name fails as an unknown host, without asking DNS.

With `unshare -n` (bench/faults/run_function_faults.py as root) the kernel enforces the same.
"""

import errno
import ipaddress
import os
import socket

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_LOG = os.environ.get("FAULTS_GUARD_LOG", "")
_HOSTS = dict(item.split("=", 1) for item in os.environ.get("FAULTS_HOSTS", "").split(",") if "=" in item)


def _record(address) -> None:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {address!r}\n")


def _loopback(address) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX (the reader's forkserver)
    try:
        return ipaddress.ip_address(str(address[0]).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _connect(self, address):
    if not _loopback(address):
        _record(address)
        raise OSError(errno.ENETUNREACH, "fault-test guard: only loopback may be reached")
    return _real_connect(self, address)


def _connect_ex(self, address):
    if not _loopback(address):
        _record(address)
        return errno.ENETUNREACH
    return _real_connect_ex(self, address)


def _getaddrinfo(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    if name in _HOSTS:
        return _real_getaddrinfo(_HOSTS[name], port, *args, **kwargs)
    if name in (None, "localhost"):
        return _real_getaddrinfo(host, port, *args, **kwargs)
    try:
        ipaddress.ip_address(str(name).split("%", 1)[0])
        numeric = True
    except ValueError:
        try:
            socket.inet_aton(str(name))
            numeric = True
        except OSError:
            numeric = False
    if numeric:
        return _real_getaddrinfo(host, port, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "fault-test guard: unknown host")


socket.getaddrinfo = _getaddrinfo
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
