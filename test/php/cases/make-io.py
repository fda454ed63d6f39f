#!/usr/bin/env python3
"""Generates io.json: the differential cases of PHP's stream I/O functions, one `io` probe
each (PROTOCOL.md, "I/O probes"). Results never depend on timing: the two timelines meet at
marks/signals; a `sleep` only lets the other side start waiting first.
Run: python3 test/php/cases/make-io.py > test/php/cases/io.json"""
import json

TCP, UNIX, UDP, SSL = "tcp://127.0.0.1:0", "unix://{tmp}/io.sock", "udp://127.0.0.1:0", "ssl://127.0.0.1:0"
CERT = {"ssl": {"local_cert": "{tls}/cert.pem", "local_pk": "{tls}/key.pem"}}
cases = []


def io(id, server, client=(), url=TCP, **probe):
    case = {"id": f"io-{id}", "url": url}
    if url == UDP:
        case["flags"] = 4  # STREAM_SERVER_BIND
    if url == SSL:
        case["context"] = CERT
    case["probes"] = [{"probe": "io", **probe, "client": list(client), "server": list(server)}]
    cases.append(case)


def op(name, *args, on=None, keys=None):
    step = {"op": name}
    if on is not None:
        step["on"] = on
    if args:
        step["args"] = list(args)
    if keys is not None:
        step["keys"] = keys
    return step


def sends(*chunks, then=(), signal="s"):
    """Client: send each chunk (a write, or a datagram), then `then` steps, then signal."""
    return [{"send": c} for c in chunks] + list(then) + [{"signal": signal}]


def later(*steps, mark="m", sleep=100):
    """Client: once the server is at mark `m` (and has had time to start waiting), do `steps`."""
    return [{"wait": mark}, {"sleep": sleep}, *steps]


def select(read=None, write=None, exc=None, args=(0,)):
    return {"op": "stream_select", "read": read, "write": write, "except": exc, "args": list(args)}


W, M = {"wait": "s"}, {"mark": "m"}
SHUT, CLOSE, RESET = {"shutdown": True}, {"close": True}, {"reset": True}
META = op("stream_get_meta_data")
TIMEOUT = op("stream_set_timeout", 0, 200000)
NONBLOCK = op("stream_set_blocking", False)


def meta(*keys):
    return op("stream_get_meta_data", keys=list(keys))


def rd(n, **kw):
    return {"read": n, **kw}


# ---- fread -----------------------------------------------------------------------------
# The second fread() finds 6 bytes buffered, fewer than asked: PHP reads the socket once more and
# waits for it, here until the client's FIN.
io("fread-basic", [W, op("fread", 5), op("fread", 100)], sends("hello world", then=[{"shutdown": True}]))
io("fread-coalesced-writes", [W, op("fread", 100)], sends("abc", "def"))
io("fread-waits-for-data", [M, op("fread", 100)], later({"send": "late"}))
io("fread-length-errors", [W, op("fread", 0), op("fread", -1), op("fread", "abc"), op("fread", "3"), op("fread", 2.0)],
   sends("abcdef"))
io("fread-float-length", [W, op("fread", 2.5), op("fread", 10)], sends("abcdef", then=[{"shutdown": True}]))
io("fread-eof", [W, op("fread", 100), op("fread", 100), op("feof"), op("fread", 100), META], sends("bye", then=[SHUT]))
io("fread-timeout", [TIMEOUT, op("fread", 10), META, op("feof"), M, {"wait": "x"}, op("fread", 10), META],
   [{"wait": "m"}, {"send": "x"}, {"signal": "x"}])
io("fread-rest-of-buffer-waits", [W, op("fgets"), M, op("fread", 100)], sends("line\nrest") + later({"send": "more"}, sleep=200))
io("fread-rest-of-buffer-timeout", [TIMEOUT, W, op("fgets"), op("fread", 100), META], sends("line\nrest"))
io("fread-from-buffer", [W, op("fgets"), op("fread", 2), op("fread", 2)], sends("line\nrest"))
io("fread-unread-bytes", [W, op("fgets"), meta("unread_bytes"), op("fread", 5), meta("unread_bytes")], sends("hello\nworld"))
io("fread-nonblocking", [NONBLOCK, op("fread", 10), META, M, {"wait": "x"}, op("fread", 10), op("fread", 10), META],
   [{"wait": "m"}, {"send": "data"}, {"signal": "x"}])
io("fread-after-reset-with-data", [W, op("feof"), op("fread", 10), op("fread", 10), op("feof")], sends("data", then=[RESET]))
io("fread-after-reset", [W, op("fread", 10), op("feof"), op("fgets")], sends(then=[RESET]))
io("fread-closed-stream", [op("fclose"), op("fread", 1), op("feof"), op("fgets"), op("fgetc"), op("fwrite", "x"), op("fflush"),
                           op("stream_get_contents"), op("stream_get_line", 10), op("stream_set_blocking", False),
                           op("stream_set_read_buffer", 0), op("stream_set_write_buffer", 0), op("fclose")])
io("fread-not-a-stream", [op("fread", 1, on={"value": "x"}), op("feof", on={"value": None}), op("fwrite", "x", on={"value": 1}),
                          op("fgets", on={"value": []})])
io("listener-reads", [op("stream_set_timeout", 0, 200000, on="server"), op("fread", 10, on="server"), op("fgets", on="server"),
                      op("fgetc", on="server"), op("feof", on="server"), op("stream_get_contents", on="server"),
                      op("stream_get_line", 10, on="server")], clients=0)
io("listener-writes", [op("fwrite", "x", on="server"), op("fputs", "xy", on="server"), op("fflush", on="server")], clients=0)

# ---- udp server streams: one datagram per read ------------------------------------------
io("udp-fread-datagrams", [W, op("fread", 100), op("fread", 100)], sends("first datagram", "second"), url=UDP)
io("udp-fread-partial-datagram", [W, op("fread", 5), op("fread", 100)], sends("first datagram", "second"), url=UDP)
io("udp-fwrite-unconnected", [op("fwrite", "reply"), op("fputs", "r"), op("fwrite", ""), op("fflush")], url=UDP)
io("udp-nonblocking", [NONBLOCK, op("fread", 100), META], url=UDP)
io("udp-timeout", [TIMEOUT, op("fread", 100), META, op("feof")], url=UDP)
io("udp-fgets", [TIMEOUT, W, op("fgets"), op("fgets")], sends("third\none", "fourth"), url=UDP)
io("udp-select", [select([["u", "server"]]), select(write=[["u", "server"]]), M, W, select([["u", "server"]]), op("fread", 10)],
   [{"wait": "m"}, {"send": "x"}, {"signal": "s"}], url=UDP)
io("udp-buffers", [op("stream_set_read_buffer", 0), op("stream_set_write_buffer", 0), op("stream_set_blocking", False), META],
   url=UDP)

# ---- fwrite / fputs ------------------------------------------------------------------------
io("fwrite-basic", [op("fwrite", "pong"), op("fwrite", "abc", 1), op("fwrite", "xyz", 0), op("fwrite", "xyz", -1), op("fwrite", ""),
                    op("fputs", "!"), op("fwrite", "end", None), M], [{"wait": "m"}, rd(9)])
io("fwrite-binary", [op("fwrite", {"bytes": [0, 255, 1, 128]}), M], [{"wait": "m"}, rd(4)])
io("fwrite-types", [op("fwrite", 123), op("fwrite", []), op("fwrite", "abc", "x"), op("fwrite", None), op("fwrite", True), M],
   [{"wait": "m"}, rd(4)])
io("fwrite-large", [op("fwrite", {"repeat": ["0123456789", 20000]}), M], [{"wait": "m"}, rd(200000, length=True)])
io("fwrite-peer-closed", [W, op("fwrite", "x"), {"sleep": 100}, op("fwrite", "x"), op("fwrite", "y"), op("fread", 5)],
   sends(then=[CLOSE]))
io("fwrite-peer-reset", [W, op("fwrite", "x"), op("fwrite", "x"), op("fread", 5), op("feof")], sends(then=[RESET]))
io("fwrite-half-closed-peer", [W, op("fread", 10), op("feof"), op("fwrite", "still"), M], sends(then=[SHUT]) + [{"wait": "m"}, rd(5)])
io("fwrite-own-shutdown", [op("stream_socket_shutdown", 1), op("fwrite", "x"), op("fputs", "x"), M], [{"wait": "m"}, rd("all")])
io("fwrite-nonblocking", [NONBLOCK, op("fwrite", "abc"), M], [{"wait": "m"}, rd(3)])

# ---- fgets ---------------------------------------------------------------------------------
io("fgets-lines", [W, op("fgets"), op("fgets"), op("fgets"), op("fgets"), op("feof")], sends("one\ntwo\r\nthree", then=[SHUT]))
io("fgets-length", [W, op("fgets", 4), op("fgets", 100), op("fgets", 1), op("fgets", 2), op("fgets")], sends("abcdefgh\nij\n"))
io("fgets-length-errors", [W, op("fgets", 0), op("fgets", -5), op("fgets", "x"), op("fgets", None)], sends("z\n"))
io("fgets-waits-for-newline", [W, M, op("fgets")], sends("par") + later({"send": "tial\n"}))
io("fgets-timeout-partial", [TIMEOUT, W, op("fgets"), META], sends("partial"))
io("fgets-timeout-nothing", [TIMEOUT, op("fgets"), META])
io("fgets-nonblocking", [NONBLOCK, W, op("fgets"), op("fgets"), op("fgets")], sends("line1\nline2"))
io("fgets-long-line", [W, op("fgets"), op("fgets", 5)], sends({"repeat": ["a", 9000]}, "\nabcdef\n"))

# ---- fgetc ---------------------------------------------------------------------------------
io("fgetc-bytes", [W, op("fgetc"), op("fgetc"), op("fgetc"), op("feof")], sends("xy", then=[SHUT]))
io("fgetc-binary", [W, op("fgetc"), op("fgetc"), op("fgetc")], sends({"bytes": [255, 0, 10]}))
io("fgetc-timeout", [TIMEOUT, op("fgetc"), META])
io("fgetc-nonblocking", [NONBLOCK, op("fgetc"), META])

# ---- stream_get_line -----------------------------------------------------------------------
io("sgl-delimiter", [W] + [op("stream_get_line", 100, "--")] * 6 + [op("feof")], sends("a--b--c----d", then=[SHUT]))
io("sgl-maxlen", [W, op("stream_get_line", 3, "\n"), op("stream_get_line", 3), op("stream_get_line", 100, "\n"),
                  op("stream_get_line", 100, "\n")], sends("abcdefgh\n", then=[SHUT]))
io("sgl-length-errors", [W, op("stream_get_line", 0, "\n"), op("stream_get_line", -1), op("stream_get_line", "x"),
                         op("stream_get_line", 100, "\n")], sends("x\ny\n"))
io("sgl-empty-ending", [W, op("stream_get_line", 100, ""), op("stream_get_line", 100, "")], sends("abc", then=[SHUT]))
io("sgl-no-ending-timeout", [TIMEOUT, W, op("stream_get_line", 100, "\n"), meta("unread_bytes"), M, {"wait": "x"},
                             op("stream_get_line", 100, "\n")], sends("abc") + [{"wait": "m"}, {"send": "def\n"}, {"signal": "x"}])
io("sgl-split-delimiter", [W, M, op("stream_get_line", 100, "\r\n"), op("stream_get_line", 100, "\r\n")],
   sends("ab\r") + later({"send": "\ncd\r\n"}))
io("sgl-nonblocking", [NONBLOCK, W, op("stream_get_line", 100, "\n"), M, {"wait": "x"}, op("stream_get_line", 100, "\n")],
   sends("abc") + [{"wait": "m"}, SHUT, {"signal": "x"}])

# ---- stream_get_contents -------------------------------------------------------------------
io("sgc-to-eof", [W, op("stream_get_contents"), op("stream_get_contents"), op("feof")], sends("abc", "def", then=[CLOSE]))
io("sgc-waits-for-eof", [M, op("stream_get_contents")], later({"send": "x"}, {"sleep": 100}, {"send": "y"}, SHUT))
io("sgc-length", [W, op("stream_get_contents", 4), op("stream_get_contents", 0), op("stream_get_contents", -2),
                  op("stream_get_contents", 3)], sends("0123456789"))
io("sgc-offset", [W, op("stream_get_contents", 2, 0), op("stream_get_contents", 2, 5), op("stream_get_contents", 1, 0),
                  op("stream_get_contents", 1, 7), op("stream_get_contents", -1, -1)], sends("0123456789", then=[SHUT]))
io("sgc-timeout", [TIMEOUT, W, op("stream_get_contents"), META], sends("ab"))
io("sgc-nonblocking", [NONBLOCK, op("stream_get_contents"), M, {"wait": "x"}, op("stream_get_contents")],
   [{"wait": "m"}, {"send": "data"}, {"signal": "x"}])

# ---- feof ------------------------------------------------------------------------------------
io("feof-idle", [op("feof"), META])
io("feof-peer-closed", [W, META, op("feof"), META, op("fread", 10)], sends(then=[CLOSE]))
io("feof-data-then-close", [W, op("feof"), op("fread", 10), op("feof"), META], sends("zz", then=[CLOSE]))
io("feof-half-close", [W, op("fread", 10), op("feof"), op("fwrite", "w"), M], sends("q", then=[SHUT]) + [{"wait": "m"}, rd(1)])

# ---- fflush, buffers, blocking ---------------------------------------------------------------
io("fflush", [op("fflush"), op("fflush", on="server"), op("fwrite", "a"), op("fflush"), M], [{"wait": "m"}, rd(1)])
io("set-buffers", [op("stream_set_read_buffer", 0), op("stream_set_read_buffer", 8192), op("stream_set_read_buffer", -1),
                   op("stream_set_write_buffer", 0), op("stream_set_write_buffer", 8192),
                   op("stream_set_read_buffer", 0, on="server"), op("stream_set_write_buffer", 0, on="server"),
                   op("stream_set_read_buffer", "x")])
io("read-buffer-zero", [op("stream_set_read_buffer", 0), W, op("fgets"), op("fread", 2)], sends("ab\ncd"))
io("set-blocking", [op("stream_set_blocking", False), META, op("stream_set_blocking", True), META, op("stream_set_blocking", 0),
                    meta("blocked"), op("stream_set_blocking", False, on="server")])

# ---- stream_select ---------------------------------------------------------------------------
THREE = [["a", 0], [5, 1], ["d", 2]]
io("select-clients", [W, select(THREE), op("fread", 10, on=1)], [{"c": 1, "send": "x"}, {"signal": "s"}], clients=3)
io("select-read-write-except", [W, select([["a", 0], [5, 1], ["L", "server"]], [["wa", 0], [3, 1]], [[None, 0]])],
   [{"c": 1, "send": "x"}, {"signal": "s"}], clients=2)
io("select-timeout", [select([[None, 0]], args=(0, 200000))])
io("select-waits", [M, select([[None, 0]], args=(5,)), op("fread", 10)], later({"send": "x"}))
io("select-null-timeout", [M, select([[None, 0]], args=(None,)), op("fread", 10)], later({"send": "x"}))
io("select-listener", [select([["L", "server"]]), M, W, select([["L", "server"]]), op("accept"), select([["L", "server"]]),
                       op("fread", 10)], [{"wait": "m"}, {"connect": True}, {"send": "hi"}, {"signal": "s"}], clients=0)
io("select-listener-wakes", [M, select([["L", "server"]], args=(5,)), op("accept")], later({"connect": True}), clients=0)
io("select-buffered", [W, op("fgets"), select([[None, 0]])], sends("l1\nl2\n"))
io("select-eof", [W, select([[None, 0]]), op("fread", 10)], sends(then=[SHUT]))
io("select-except-only", [W, select(exc=[[None, 0]]), select([], [], [[None, 0]])], sends("x"))
io("select-duplicates", [W, select([[None, 0], ["k", 0]])], sends("x"))
io("select-same-stream-everywhere", [W, select([[None, 0]], [[None, 0]], [[None, 0]])], sends("x"))
io("select-errors", [select(), select([], [], []), select([[None, 0]], args=(-1,)), select([[None, 0]], args=(0, -1)),
                     select([[None, 0]], args=(None, 5)), select([[None, 0]], args=("abc",))])
io("select-non-streams", [W, select([["x", {"value": "notastream"}]]), select([[None, 0], [None, {"value": "str"}]])], sends("x"))
io("select-closed-stream", [op("fclose", on=1), select([[None, 1]]), select([[None, 0], [None, 1]])], clients=2)
io("select-large-microseconds", [select([[None, 0]], args=(0, 1500000))])

# ---- TLS: an accepted ssl:// connection ----------------------------------------------------
io("tls-fread-fwrite", [W, op("fread", 100), op("fwrite", "pong"), M], sends("hello tls") + [{"wait": "m"}, rd(4)], url=SSL)
# Records that arrive apart are read apart. (Two records already waiting: PHP reads one per fread(),
# the facade what Node has decrypted, both: a deliberate difference, see test/php/facade-io.test.ts.)
io("tls-records", [op("stream_set_timeout", 0, 300000), W, op("fread", 100), M, op("fread", 100), op("fread", 100)],
   sends("abc") + [{"wait": "m"}, {"send": "def"}], url=SSL)
io("tls-fgets", [W, op("fgets"), op("fgets"), op("fgetc")], sends("a\nb\nc"), url=SSL)
io("tls-eof", [W, op("feof"), op("fread", 10), META], sends(then=[CLOSE]), url=SSL)
io("tls-sgc", [W, op("stream_get_contents")], sends("x", "y", then=[CLOSE]), url=SSL)
io("tls-timeout", [TIMEOUT, op("fread", 10), META], url=SSL)
io("tls-nonblocking", [NONBLOCK, op("fread", 10), op("fgets"), META], url=SSL)
io("tls-select", [select([[None, 0]]), M, {"wait": "x"}, select([[None, 0]]), op("fread", 10)],
   [{"wait": "m"}, {"send": "x"}, {"signal": "x"}], url=SSL)
io("tls-fwrite-binary", [op("fwrite", {"bytes": [0, 200, 255]}), op("fflush"), M], [{"wait": "m"}, rd(3)], url=SSL)
io("tls-feof-idle", [op("feof"), META], url=SSL)
io("tls-sgl", [W, op("stream_get_line", 100, "\r\n"), op("stream_get_line", 100, "\r\n")], sends("GET /\r\nHost: x\r\n"), url=SSL)

# ---- unix:// -----------------------------------------------------------------------------------
io("unix-read", [W, op("fgets"), op("fread", 10), op("feof")], sends("a\nbc", then=[SHUT]), url=UNIX)
io("unix-fwrite-peer-closed", [W, op("feof"), op("fwrite", "x"), op("fwrite", "x")], sends(then=[CLOSE]), url=UNIX)
io("unix-select", [select([[None, 0]]), M, {"wait": "x"}, select([[None, 0]], [[None, 0]])],
   [{"wait": "m"}, {"send": "x"}, {"signal": "x"}], url=UNIX)

json.dump(cases, __import__("sys").stdout, indent=1, ensure_ascii=False)
print()
