"""ctypes declarations of the part of libcm (cm.h) that the client uses.

The structures mirror struct cm_client_opts and struct cm_ssh_opts field
for field; a change there is a change here. JSON crosses the boundary as
text: requests are parsed by jansson (json_loads) into the json_t that
cm_client_send() steals, and replies and events are printed by jansson
(json_dumps) from the json_t libcm lends to its callbacks.
"""

import ctypes
import ctypes.util
import os

# Types of libcm's callbacks (cm.h): the client pointer stays opaque.
EVENT_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
OUTPUT_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p,
                             ctypes.c_size_t, ctypes.c_void_p)
STATE_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)
REPLY_CB = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                            ctypes.c_void_p)
FD_CB = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p)

# enum cm_conn_state
CONN_CONNECTING, CONN_READY, CONN_LOST, CONN_FAILED = range(4)


class SshOpts(ctypes.Structure):
    """struct cm_ssh_opts."""
    _fields_ = [
        ("host", ctypes.c_char_p),
        ("user", ctypes.c_char_p),
        ("port", ctypes.c_int),
        ("identity", ctypes.c_char_p),
        ("config", ctypes.c_char_p),
        ("runtime_dir", ctypes.c_char_p),
        ("name", ctypes.c_char_p),
        ("persist_s", ctypes.c_int),
        ("connect_timeout_s", ctypes.c_int),
    ]


class ClientOpts(ctypes.Structure):
    """struct cm_client_opts."""
    _fields_ = [
        ("host", ctypes.c_char_p),
        ("port", ctypes.c_int),
        ("unix_path", ctypes.c_char_p),
        ("token", ctypes.c_char_p),
        ("ssh", ctypes.POINTER(SshOpts)),
        ("reconnect", ctypes.c_int),
        ("since", ctypes.c_int64),
        ("timeout_ms", ctypes.c_int),
        ("on_event", EVENT_CB),
        ("on_output", OUTPUT_CB),
        ("on_state", STATE_CB),
        ("arg", ctypes.c_void_p),
    ]


def _find_library():
    """libcm.so: $CM_LIBRARY, else the linker's search (an installed libcm.so.0)."""
    path = os.environ.get("CM_LIBRARY")
    if path:
        return path
    return ctypes.util.find_library("cm") or "libcm.so.0"


def _declare(lib, name, restype, *argtypes):
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


class Lib:
    """libcm and the few jansson and libc functions used with it."""

    def __init__(self, path=None):
        self.path = path or _find_library()
        try:
            self.cm = ctypes.CDLL(self.path)
        except OSError as e:
            raise OSError(f"cannot load libcm ({self.path}): {e}; install cm's libcm or set "
                          "CM_LIBRARY to the path of libcm.so") from e
        # jansson is libcm's one public dependency; it is already loaded with it.
        self.json = ctypes.CDLL(ctypes.util.find_library("jansson") or "libjansson.so.4")
        self.libc = ctypes.CDLL(None)
        vp, cp, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        cm = self.cm
        _declare(cm, "cm_loop_new", vp)
        _declare(cm, "cm_loop_free", None, vp)
        _declare(cm, "cm_loop_run", i, vp, i)
        _declare(cm, "cm_loop_stop", None, vp)
        _declare(cm, "cm_loop_watch_fd", vp, vp, i, FD_CB, vp)
        _declare(cm, "cm_watch_free", None, vp)
        _declare(cm, "cm_client_new", vp, vp, ctypes.POINTER(ClientOpts))
        _declare(cm, "cm_client_connect", i, vp)
        _declare(cm, "cm_client_free", None, vp)
        _declare(cm, "cm_client_state", i, vp)
        _declare(cm, "cm_client_fail", i, vp)
        _declare(cm, "cm_client_error", cp, vp)
        _declare(cm, "cm_client_hello", vp, vp)
        _declare(cm, "cm_client_send", i, vp, vp, REPLY_CB, vp)
        _declare(cm, "cm_error_name", cp, i)
        _declare(cm, "cm_fail_name", cp, i)
        _declare(cm, "cm_ssh_close", i, ctypes.POINTER(SshOpts), cp, i)
        _declare(self.json, "json_loads", vp, cp, ctypes.c_size_t, vp)
        _declare(self.json, "json_dumps", vp, vp, ctypes.c_size_t)
        _declare(self.libc, "free", None, vp)

    def loads(self, text):
        """A new json_t from JSON text (None if jansson refuses it)."""
        return self.json.json_loads(text.encode(), 0, None)

    def dumps(self, value):
        """The JSON text of a borrowed json_t (None for NULL)."""
        if not value:
            return None
        # JSON_COMPACT (0x20) | JSON_ENCODE_ANY (0x200)
        p = self.json.json_dumps(value, 0x20 | 0x200)
        if not p:
            return None
        try:
            return ctypes.string_at(p).decode("utf-8", "replace")
        finally:
            self.libc.free(p)

    def text(self, p):
        return p.decode("utf-8", "replace") if p else ""
