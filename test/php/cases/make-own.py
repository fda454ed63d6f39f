#!/usr/bin/env python3
"""Generates own.json: our own differential cases, beside PHP's shared ones.
Each row of the spec gets variants the shared corpus does not have.
Run: python3 test/php/cases/make-own.py > test/php/cases/own.json"""
import json

cases = []
def add(id, **kw):
    cases.append({"id": f"own-{id}", **kw})

# §2.1 scheme detection
for i, url in enumerate(["x://127.0.0.1:0", "1tcp://127.0.0.1:0", "tcp:/127.0.0.1:0", "tcp:127.0.0.1:0",
                         "Unix://{tmp}/s.sock", "sslv3://127.0.0.1:0", "sslv2://127.0.0.1:0", "tcp ://127.0.0.1:0",
                         "a" * 31 + "://127.0.0.1:0", "b" * 32 + "://127.0.0.1:0", "tcp+x://127.0.0.1:0",
                         "tcp://tcp://127.0.0.1:0", "://127.0.0.1:0", "tcp:///127.0.0.1:0"]):
    add(f"scheme-{i}", url=url)

# §2.2 ports through atoi and 16-bit truncation
for i, port in enumerate(["\t{port}", "  +{port}", "0x1F", "1e3", "+0", "-0", "00000", "4294967296", "131071",
                          "-65535", "{port}.9", "{port}/", "{port}#x", "{port} ", "--1", "+-1", "9223372036854775807",
                          "-9223372036854775809", "65535junk"]):
    # A literal port is the same in both runs: such cases must not overlap in time.
    add(f"port-{i}", url=f"tcp://127.0.0.1:{port}", **({} if "{port}" in port else {"port_token": False}))

# §2.2 hosts: resolver forms, brackets
for i, host in enumerate(["127.000.000.001", "0x7f000001", "017700000001", "127.0.1", "LOCALHOST", "localhost.",
                          "localhost ", "127.0.0.256", "[::ffff:127.0.0.1]", "[0::1]", "[::1]x", "[::1]]", "[[::1]]",
                          "[]", "[ ::1]", "[127.1]", "::", "[::1%1]", "[::1%999]", "127.0.0.1 ", " 127.0.0.1", "@", "%"]):
    add(f"host-{i}", url=f"tcp://{host}:0")
add("host-brackets-empty-port", url="tcp://[127.0.0.1]:")
add("host-colon-last", url="tcp://localhost:")
add("host-two-colons", url="tcp://127.0.0.1::0")

# §3 flags
for flags in [1, 2, 3, 5, 6, 7, 9, 10, 11, 15, 20, 24, 28, 44, 64 | 12, (1 << 30) | 12, -2, -5, -13, -16]:
    add(f"flags-{flags}", url="tcp://127.0.0.1:0", flags=flags)
add("flags-bind-only-unix", url="unix://{tmp}/b.sock", flags=4, probes=[{"probe": "connect"}, {"probe": "accept", "client": False, "timeout": 0.2}])
add("flags-listen-only-unix", url="unix://{tmp}/l.sock", flags=8)
add("flags-bind-only-second-server", url="tcp://127.0.0.1:0", flags=4, probes=[{"probe": "second-server"}])
add("flags-0-bad-address", url="tcp://nonsense", flags=0)
add("flags-0-unknown-transport", url="nope://x:1", flags=0)

# §6 backlog coercion
for i, b in enumerate([True, False, None, [], [1, 2], "0x10", 5.7, " 7", "7 ", "1e2", -5, 2147483648, 4294967301,
                       {"a": 1}, "", "-3", 0.9, "12.9", 3]):
    add(f"backlog-{i}", url="tcp://127.0.0.1:0", context={"socket": {"backlog": b}})
add("backlog-unix-9", url="unix://{tmp}/b9.sock", context={"socket": {"backlog": 9}})
add("backlog-bind-only-ignored", url="tcp://127.0.0.1:0", flags=4, context={"socket": {"backlog": 5}})
add("backlog-fill-2", url="tcp://127.0.0.1:0", context={"socket": {"backlog": 2}}, probes=[{"probe": "fill-backlog", "clients": 6}])
add("backlog-fill-unix-1", url="unix://{tmp}/fb.sock", context={"socket": {"backlog": 1}}, probes=[{"probe": "fill-backlog", "clients": 4}])

# §7 context options
for i, v in enumerate(["0", "", 0, 1, "yes", None, [], [0]]):
    add(f"opt-reuseport-{i}", url="tcp://127.0.0.1:0", context={"socket": {"so_reuseport": v}})
add("opt-v6only-any-v4-client", url="tcp://[::]:0", context={"socket": {"ipv6_v6only": False}}, probes=[{"probe": "connect"}])
add("opt-v6only-string-0", url="tcp://[::1]:0", context={"socket": {"ipv6_v6only": "0"}})
add("opt-nodelay-string-1", url="tcp://127.0.0.1:0", context={"socket": {"tcp_nodelay": "1"}}, probes=[{"probe": "accept"}])
add("opt-unknown-option", url="tcp://127.0.0.1:0", context={"socket": {"no_such_option": 1}})
add("opt-ssl-options-on-tcp", url="tcp://127.0.0.1:0", context={"ssl": {"local_cert": "/nonexistent"}})
add("opt-other-wrapper", url="tcp://127.0.0.1:0", context={"http": {"method": "POST"}})
add("opt-reuseport-pair-unix", url="unix://{tmp}/rp.sock", context={"socket": {"so_reuseport": True}}, probes=[{"probe": "second-server"}])
add("opt-default-context-backlog", url="tcp://127.0.0.1:0", default_context={"socket": {"backlog": 3}})
add("opt-default-and-flags-4", url="tcp://127.0.0.1:0", flags=4, default_context={"socket": {"backlog": 3}})
add("inuse-reuseport-both-second", url="tcp://127.0.0.1:0", context={"socket": {"so_reuseport": True}}, probes=[{"probe": "second-server"}])
add("inuse-v4-mapped-vs-v4", url="tcp://[::ffff:127.0.0.1]:{port}", setup=[{"kind": "socket", "family": "inet", "type": "stream", "addr": "127.0.0.1", "port": "{port}", "reuseaddr": True}])
add("inuse-any-vs-loopback", url="tcp://0.0.0.0:{port}", setup=[{"kind": "socket", "family": "inet", "type": "stream", "addr": "127.0.0.1", "port": "{port}", "reuseaddr": True}])
add("inuse-unix-live-server", url="unix://{tmp}/live.sock", setup=[{"kind": "server", "url": "unix://{tmp}/live.sock"}])

# §2.3 and §12: unix paths and socket files
for i, path in enumerate(["{tmp}/with space.sock", "{tmp}/ünï.sock", "{tmp}/a/../b.sock", "{tmp}//double.sock",
                          "{tmp}/./dot.sock", "{tmp}/{fill:107}", "{tmp}/{fill:108}", "{tmp}/{fill:120}", "{tmp}/ends-with-dot.",
                          "{tmp}", "{tmp}/missing/deeper/x.sock"]):
    add(f"unix-path-{i}", url=f"unix://{path}")
for umask in ["027", "077", "002", "007"]:
    add(f"unix-umask-{umask}", url="unix://{tmp}/m.sock", umask=umask)
# (no connect probe: node:net cannot reach abstract names)
add("unix-abstract-second", url="unix://\u0000sss-own-{pid}", probes=[{"probe": "second-server"}])
add("unix-autobind", url="unix://", probes=[{"probe": "accept-timing", "timeout": 0.1}])
add("unix-relative-nested", url="unix://sub/r.sock", setup=[{"kind": "mkdir", "path": "{tmp}/sub"}, {"kind": "chdir", "path": "{tmp}"}], probes=[{"probe": "accept"}])
add("unix-symlink-to-dir", url="unix://{tmp}/ln/x.sock", setup=[{"kind": "mkdir", "path": "{tmp}/real"}, {"kind": "symlink", "path": "{tmp}/ln", "target": "{tmp}/real"}])
add("unix-existing-live-socket", url="unix://{tmp}/l.sock", setup=[{"kind": "socket", "family": "unix", "type": "stream", "path": "{tmp}/l.sock"}])
add("unix-close-keeps-file", url="unix://{tmp}/k.sock", probes=[{"probe": "close"}])
add("unix-shutdown-wr", url="unix://{tmp}/w.sock", probes=[{"probe": "shutdown", "how": 1, "accept_after": True}])

# §8 accept
add("accept-timeout-0-pending", url="tcp://127.0.0.1:0", probes=[{"probe": "accept", "timeout": 0}])
add("accept-timeout-0.1", url="tcp://127.0.0.1:0", probes=[{"probe": "accept-timing", "timeout": 0.1}])
add("accept-v6", url="tcp://[::1]:0", probes=[{"probe": "accept", "timeout": 1}])
add("accept-unix-twice", url="unix://{tmp}/t.sock", probes=[{"probe": "accept"}, {"probe": "accept"}])
add("accept-any-address", url="tcp://0.0.0.0:0", probes=[{"probe": "connect"}])
add("accept-bind-only-unix", url="unix://{tmp}/bo.sock", flags=4, probes=[{"probe": "accept", "client": False, "timeout": 0.2}])
add("accept-socketless-unix", url="unix://{tmp}/sl.sock", flags=0, probes=[{"probe": "accept-timing", "timeout": 0.1}])

# §5: no socket could be created (EMFILE)
add("emfile-tcp-numeric", url="tcp://127.0.0.1:0", setup=[{"kind": "exhaust-fds", "limit": 32}])
add("emfile-tcp6-numeric", url="tcp://[::1]:0", setup=[{"kind": "exhaust-fds", "limit": 32}])
add("emfile-unix", url="unix://{tmp}/e.sock", setup=[{"kind": "exhaust-fds", "limit": 32}])

# §5: privileges (run as nobody)
add("priv-tcp6-port-443", url="tcp://[::1]:443", user="nobody", port_token=False)
add("priv-unix-ok-in-tmp", url="unix://{tmp}/w/x.sock", user="nobody", setup=[{"kind": "mkdir", "path": "{tmp}/w", "mode": "0777"}])

# §3, §10: datagram transports
add("udp-default-flags-fail", url="udp://127.0.0.1:0")
add("udg-default-flags-fail-leaves-file", url="udg://{tmp}/f.sock")
add("udp6-recvfrom", url="udp://[::1]:0", flags=4, probes=[{"probe": "recvfrom", "send": ["v6"], "reads": [{"len": 10}], "reply": {"data": "back"}}])
add("udp-recvfrom-truncates", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "recvfrom", "send": ["0123456789", "next"], "reads": [{"len": 3}, {"len": 100}]}])
add("udp-recvfrom-nonblocking-empty", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "recvfrom-direct", "len": 10, "nonblocking": True}])
add("udg-recvfrom-nonblocking-empty", url="udg://{tmp}/ne.sock", flags=4, probes=[{"probe": "recvfrom-direct", "len": 10, "nonblocking": True}])
add("udg-recvfrom-two", url="udg://{tmp}/two.sock", flags=4, probes=[{"probe": "recvfrom", "send": ["one", "two"], "reads": [{"len": 100}, {"len": 100}]}])
add("udg-recvfrom-peek", url="udg://{tmp}/pk.sock", flags=4, probes=[{"probe": "recvfrom", "send": ["peeked"], "reads": [{"len": 100, "flags": 2}, {"len": 100}]}])
add("udg-sendto-path-unsupported", url="udg://{tmp}/np.sock", flags=4, probes=[{"probe": "sendto", "target": "{tmp}/np.sock", "data": "x"}])
add("udp-sendto-port-junk", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "sendto", "target": "127.0.0.1:9abc", "data": "x"}])
add("udp-sendto-bad-host", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "sendto", "target": "bad..name:9", "data": "x"}])
add("udp-sendto-v6-bracket-no-port", url="udp://[::1]:0", flags=4, probes=[{"probe": "sendto", "target": "[::1]", "data": "x"}])
add("udp-sendto-v6", url="udp://[::1]:0", flags=4, probes=[{"probe": "sendto", "target": "[::1]:9", "data": "xyz"}])
add("udp-accept-no-datagram", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "accept", "client": False, "timeout": 0.1}])
add("udp-shutdown-unconnected", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "shutdown", "how": 2}])
add("udg-shutdown", url="udg://{tmp}/sd.sock", flags=4, probes=[{"probe": "shutdown", "how": 0}])
add("udp-two-servers-share-port", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "second-server", "flags": 4}])
add("udg-second-server-same-path", url="udg://{tmp}/ss.sock", flags=4, probes=[{"probe": "second-server", "flags": 4}])
add("udp-v6only-any", url="udp://[::]:0", flags=4, context={"socket": {"ipv6_v6only": False}})
add("udp-broadcast-string", url="udp://127.0.0.1:0", flags=4, context={"socket": {"so_broadcast": "1"}})
add("udp-backlog-ignored", url="udp://127.0.0.1:0", flags=4, context={"socket": {"backlog": 3}})
add("udg-umask-027", url="udg://{tmp}/u.sock", flags=4, umask="027")
add("udg-relative", url="udg://rel.sock", flags=4, setup=[{"kind": "chdir", "path": "{tmp}"}])
add("udg-too-long", url="udg://{tmp}/{fill:150}", flags=4)
add("udp-hostname-localhost", url="udp://localhost:0", flags=4)
add("udp-port-wraps", url="udp://127.0.0.1:99999", flags=4, port_token=False)
add("udp-priv-port-1", url="udp://127.0.0.1:1", flags=4, user="nobody", port_token=False)
add("udp-listen-only", url="udp://127.0.0.1:0", flags=8)

# §10 shutdown
for how in [-1, 3]:
    add(f"shutdown-invalid-{how}", url="tcp://127.0.0.1:0", probes=[{"probe": "shutdown", "how": how}])
add("shutdown-wr-listener", url="tcp://127.0.0.1:0", probes=[{"probe": "shutdown", "how": 1, "accept_after": True}])
add("shutdown-bind-only", url="tcp://127.0.0.1:0", flags=4, probes=[{"probe": "shutdown", "how": 2}])
add("shutdown-rd-v6", url="tcp://[::1]:0", probes=[{"probe": "shutdown", "how": 0, "accept_after": True}])

# §11 TLS servers: context options, failures, upgrades (fixtures: make-tls.sh)
CERT = {"local_cert": "{tls}/cert.pem", "local_pk": "{tls}/key.pem"}
NOVERIFY = {"verify_peer": False, "verify_peer_name": False}
def tls(id, url="ssl://127.0.0.1:0", ssl=None, client_url="ssl://{addr}", client_ssl=NOVERIFY, context=None, before=(), **probe):
    ctx = context if context is not None else {"ssl": CERT if ssl is None else ssl}
    add(f"tls-{id}", url=url, context=ctx, probes=[*before, {"probe": "tls", "client_url": client_url, "client_ssl": client_ssl, **probe}])

tls("v1.0-server-seclevel", url="tlsv1.0://127.0.0.1:0")
tls("v1.2-pinned", url="tlsv1.2://127.0.0.1:0")
tls("v1.2-server-v1.3-client", url="tlsv1.2://127.0.0.1:0", client_url="tlsv1.3://{addr}")
tls("mismatched-key", ssl={"local_cert": "{tls}/cert.pem", "local_pk": "{tls}/other-key.pem"})
tls("encrypted-key-wrong-passphrase", ssl={"local_cert": "{tls}/cert.pem", "local_pk": "{tls}/key-encrypted.pem", "passphrase": "wrong"})
tls("encrypted-key-no-passphrase", ssl={"local_cert": "{tls}/cert.pem", "local_pk": "{tls}/key-encrypted.pem"})
tls("cert-without-key", ssl={"local_cert": "{tls}/cert.pem"})
tls("missing-cert-file", ssl={"local_cert": "{tls}/nothing.pem", "local_pk": "{tls}/key.pem"})
tls("cert-is-a-key", ssl={"local_cert": "{tls}/key.pem"})
tls("ciphers-invalid", ssl={**CERT, "ciphers": "NOT-A-CIPHER"})
tls("crypto-method-tls11-and-13", ssl={**CERT, "crypto_method": 16 | 64})
tls("crypto-method-ignored-by-tlsv1.2", url="tlsv1.2://127.0.0.1:0", ssl={**CERT, "crypto_method": 64})
tls("min-proto-13", ssl={**CERT, "min_proto_version": 64})
tls("max-proto-12-client-13", ssl={**CERT, "max_proto_version": 32}, client_url="tlsv1.3://{addr}")
tls("alpn-server-order", ssl={**CERT, "alpn_protocols": "h2,http/1.1"}, client_ssl={**NOVERIFY, "alpn_protocols": "http/1.1,h2"})
tls("alpn-client-none", ssl={**CERT, "alpn_protocols": "h2"})
tls("cafile-missing", ssl={**CERT, "cafile": "{tls}/nothing.pem"})
tls("cafile-missing-verify-off", ssl={**CERT, "cafile": "{tls}/nothing.pem", "verify_peer": False})
tls("ca-trusts-client", ssl={**CERT, "cafile": "{tls}/ca.pem", "verify_peer": True},
    client_ssl={**NOVERIFY, "local_cert": "{tls}/client.pem", "local_pk": "{tls}/client-key.pem"})
tls("capath-trusts-client", ssl={**CERT, "capath": "{tls}/capath", "verify_peer": True},
    client_ssl={**NOVERIFY, "local_cert": "{tls}/client.pem", "local_pk": "{tls}/client-key.pem"})
tls("ca-does-not-trust-self-signed-client", ssl={**CERT, "cafile": "{tls}/ca.pem"},
    client_ssl={**NOVERIFY, "local_cert": "{tls}/cert.pem", "local_pk": "{tls}/key.pem"})
tls("verify-peer-name-without-peer-name", ssl={**CERT, "verify_peer_name": True, "verify_peer": False})
tls("peer-name-mismatch", ssl={**CERT, "cafile": "{tls}/ca.pem", "verify_peer_name": True, "peer_name": "other.test"},
    client_ssl={**NOVERIFY, "local_cert": "{tls}/client.pem", "local_pk": "{tls}/client-key.pem"})
tls("peer-name-match", ssl={**CERT, "cafile": "{tls}/ca.pem", "verify_peer_name": True, "peer_name": "client"},
    client_ssl={**NOVERIFY, "local_cert": "{tls}/client.pem", "local_pk": "{tls}/client-key.pem"})
CLIENT_CERT = {**NOVERIFY, "local_cert": "{tls}/client.pem", "local_pk": "{tls}/client-key.pem"}
tls("peer-fingerprint-mismatch", ssl={**CERT, "verify_peer": False, "peer_fingerprint": "0" * 40}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-array-mismatch", ssl={**CERT, "verify_peer": False, "peer_fingerprint": {"sha256": "ab" * 32}}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-without-client-cert", ssl={**CERT, "verify_peer": False, "peer_fingerprint": "0" * 32})
tls("ciphers-tls12-list-keeps-tls13", ssl={**CERT, "ciphers": "ECDHE-RSA-AES256-GCM-SHA384"})
tls("ciphers-only-tls13-names", ssl={**CERT, "ciphers": "TLS_AES_128_GCM_SHA256"})
tls("ciphers-seclevel-in-list", url="tlsv1.2://127.0.0.1:0", ssl={**CERT, "ciphers": "DEFAULT@SECLEVEL=2"})
tls("crypto-method-hole-tls12-client", ssl={**CERT, "crypto_method": 16 | 64}, client_url="tlsv1.2://{addr}")
tls("security-level-0-tls11", url="tlsv1.1://127.0.0.1:0", ssl={**CERT, "security_level": 0}, client_ssl={**NOVERIFY, "security_level": 0})
tls("verify-peer-name-cert-without-peer-name", ssl={**CERT, "verify_peer": False, "verify_peer_name": True}, client_ssl=CLIENT_CERT)
tls("peer-name-ip-mismatch", ssl={**CERT, "verify_peer": False, "verify_peer_name": True, "peer_name": "127.0.0.1"}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-empty-string", ssl={**CERT, "verify_peer": False, "peer_fingerprint": ""}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-int", ssl={**CERT, "verify_peer": False, "peer_fingerprint": 123}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-bad-algo", ssl={**CERT, "verify_peer": False, "peer_fingerprint": {"nope": "ab"}}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-bad-length", ssl={**CERT, "verify_peer": False, "peer_fingerprint": "abc"}, client_ssl=CLIENT_CERT)
tls("peer-fingerprint-false", ssl={**CERT, "verify_peer": False, "peer_fingerprint": False})
tls("alpn-empty-entry", ssl={**CERT, "alpn_protocols": "h2,,http/1.1"})
tls("alpn-entry-too-long", ssl={**CERT, "alpn_protocols": "x" * 300})
tls("sni-wildcard-name", ssl={**CERT, "SNI_server_certs": {"*.test": "{tls}/sni-combined.pem"}},
    client_ssl={"verify_peer": True, "cafile": "{tls}/ca.pem", "peer_name": "sni.test"})
tls("server-stream-timeout-0-no-deadline", before=[{"probe": "set-timeout", "seconds": 0}],
    client_url="tcp://{addr}", client_ssl=None, client_hold=1.5, accept_timeout=10, accept_elapsed_between=[1.2, 4.5])
# The server's list puts AES-256 first, PHP's client its AES-128: who decides?
ORDERED = {**CERT, "ciphers": "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256"}
tls("honor-cipher-order-default", url="tlsv1.2://127.0.0.1:0", ssl=ORDERED)
tls("honor-cipher-order-off", url="tlsv1.2://127.0.0.1:0", ssl={**ORDERED, "honor_cipher_order": False})
tls("disable-compression-off", ssl={**CERT, "disable_compression": False})
tls("sni-picks-certificate", ssl={**CERT, "SNI_server_certs": {"sni.test": "{tls}/sni-combined.pem"}},
    client_ssl={"verify_peer": True, "cafile": "{tls}/ca.pem", "peer_name": "sni.test"})
tls("sni-pair-form", ssl={**CERT, "SNI_server_certs": {"sni.test": {"local_cert": "{tls}/sni.pem", "local_pk": "{tls}/sni-key.pem"}}},
    client_ssl={"verify_peer": True, "cafile": "{tls}/ca.pem", "peer_name": "sni.test"})
tls("sni-other-name-gets-default", ssl={**CERT, "SNI_server_certs": {"sni.test": "{tls}/sni-combined.pem"}},
    client_ssl={"verify_peer": True, "cafile": "{tls}/cert.pem", "peer_name": "localhost"})
tls("cafile-is-a-key", ssl={**CERT, "cafile": "{tls}/key.pem"})
tls("capath-missing", ssl={**CERT, "capath": "{tls}/no-such-dir"})
tls("sni-missing-file", ssl={**CERT, "SNI_server_certs": {"sni.test": "{tls}/nothing.pem"}})
tls("sni-pair-missing-key", ssl={**CERT, "SNI_server_certs": {"sni.test": {"local_cert": "{tls}/sni.pem"}}})
tls("sni-pair-unreadable-key", ssl={**CERT, "SNI_server_certs": {"sni.test": {"local_cert": "{tls}/sni.pem", "local_pk": "{tls}/nothing.pem"}}})
tls("sni-not-an-array", ssl={**CERT, "SNI_server_certs": "{tls}/sni.pem"})
tls("sni-disabled", ssl={**CERT, "SNI_enabled": False, "SNI_server_certs": {"sni.test": "{tls}/nothing.pem"}})
tls("server-stream-timeout-bounds-handshake", before=[{"probe": "set-timeout", "seconds": 1}],
    client_url="tcp://{addr}", client_ssl=None, client_hold=3, accept_timeout=10, accept_elapsed_between=[0.8, 2.5])
tls("garbage-client", client_url="tcp://{addr}", client_ssl=None, client_send="\x16\x03\x01\x00\x05hello garbage")
tls("nodelay-on-accepted", context={"ssl": CERT, "socket": {"tcp_nodelay": True}})
tls("ipv6-v1.2", url="tlsv1.2://[::1]:0")
tls("enable-tls12-method", url="tcp://127.0.0.1:0", server_enable=32)
tls("enable-tls12-method-tls13-client", url="tcp://127.0.0.1:0", server_enable=32, client_url="tlsv1.3://{addr}")
tls("enable-missing-key", url="tcp://127.0.0.1:0", ssl={"local_cert": "{tls}/cert.pem", "local_pk": "{tls}/missing-key.pem"}, server_enable=120)
tls("enable-ciphers-invalid", url="tcp://127.0.0.1:0", ssl={**CERT, "ciphers": "NOT-A-CIPHER"}, server_enable=120)
tls("enable-unix", url="unix://{tmp}/e.sock", client_url="unix://{addr}", client_ssl=None, client_io=False, server_enable=120)
add("crypto-on-unix-server", url="unix://{tmp}/c.sock", probes=[{"probe": "enable-crypto", "method": 120}])
add("crypto-on-udg-server", url="udg://{tmp}/c.sock", flags=4, probes=[{"probe": "enable-crypto", "method": 120}])
add("crypto-disable-on-udp", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "enable-crypto", "enable": False}])
add("crypto-missing-method-on-udp", url="udp://127.0.0.1:0", flags=4, probes=[{"probe": "enable-crypto"}])
add("crypto-on-ssl-listener-times-out", url="ssl://127.0.0.1:0", ini={"default_socket_timeout": "1"}, probes=[{"probe": "enable-crypto", "method": 120}])
add("crypto-method-from-context-on-tcp-listener", url="tcp://127.0.0.1:0", context={"ssl": {"crypto_method": 120}},
    ini={"default_socket_timeout": "1"}, probes=[{"probe": "enable-crypto"}])

# dh_param: DHE suites need it (PHP 8.2 asks for no automatic parameters); read after the
# certificate, before SNI; the security level (system default 2) judges its size.
DHE = {**CERT, "ciphers": "DHE-RSA-AES128-GCM-SHA256"}
LEVEL_1_CLIENT = {**NOVERIFY, "security_level": 1}
tls("dhe-without-dh-param", url="tlsv1.2://127.0.0.1:0", ssl=DHE)
tls("dh-param-ffdhe2048", url="tlsv1.2://127.0.0.1:0", ssl={**DHE, "dh_param": "{tls}/dh.pem"})
tls("dh-param-1024-default-level", url="tlsv1.2://127.0.0.1:0", ssl={**DHE, "dh_param": "{tls}/dh1024.pem"})
tls("dh-param-1024-level-1", url="tlsv1.2://127.0.0.1:0", ssl={**DHE, "dh_param": "{tls}/dh1024.pem", "security_level": 1}, client_ssl=LEVEL_1_CLIENT)
tls("dh-param-missing-file", ssl={**CERT, "dh_param": "{tls}/nothing.pem"})
tls("dh-param-not-parameters", ssl={**CERT, "dh_param": "{tls}/cert.pem"})
tls("dh-param-directory", ssl={**CERT, "dh_param": "{tls}/capath"})
tls("dh-param-empty", ssl={**CERT, "dh_param": ""})
tls("dh-param-after-cert", ssl={"local_cert": "{tls}/nothing.pem", "dh_param": "{tls}/nothing.pem"})
tls("dh-param-before-sni", ssl={**CERT, "dh_param": "{tls}/nothing.pem", "SNI_server_certs": {"sni.test": "{tls}/nothing.pem"}})
tls("dh-param-x942-2048", url="tlsv1.2://127.0.0.1:0", ssl={**DHE, "dh_param": "{tls}/dh2048-x942.pem"})
tls("dh-param-after-unknown-block", url="tlsv1.2://127.0.0.1:0", ssl={**DHE, "dh_param": "{tls}/dh-after-unknown.pem"})
tls("dh-param-garbage", ssl={**CERT, "dh_param": "{tls}/dh-garbage.pem"})
tls("dh-param-ec-parameters", ssl={**CERT, "dh_param": "{tls}/ec-params.pem"})
tls("dh-param-ec-garbage", ssl={**CERT, "dh_param": "{tls}/ec-garbage.pem"})
# The security level in force: security_level, else the cipher list's @SECLEVEL, else the system's (2).
WEAK = {"local_cert": "{tls}/weak-cert.pem", "local_pk": "{tls}/weak-key.pem"}
tls("weak-cert-default-level", ssl=WEAK)
tls("weak-cert-level-1", ssl={**WEAK, "security_level": 1}, client_ssl=LEVEL_1_CLIENT)
tls("weak-cert-level-in-cipher-list", ssl={**WEAK, "ciphers": "DEFAULT@SECLEVEL=1"}, client_ssl=LEVEL_1_CLIENT)
tls("weak-sni-cert-default-level", ssl={**CERT, "SNI_server_certs": {"sni.test": WEAK}},
    client_ssl={**NOVERIFY, "peer_name": "sni.test"})
# PHP loads SNI certificates into fresh contexts: the system's level judges them, not security_level.
tls("weak-sni-cert-level-1", ssl={**CERT, "security_level": 1, "SNI_server_certs": {"sni.test": WEAK}},
    client_ssl={**LEVEL_1_CLIENT, "peer_name": "sni.test"})
tls("sni-cert-level-3", ssl={**CERT, "security_level": 3, "SNI_server_certs": {"sni.test": "{tls}/sni-combined.pem"}},
    client_ssl={**NOVERIFY, "peer_name": "sni.test"})
tls("security-level-3-rsa-2048", ssl={**CERT, "security_level": 3})
tls("no-ticket", ssl={**CERT, "no_ticket": True})
# capture_peer_cert(_chain): set in the accepted stream's context, only when a certificate came.
CAPTURE = {**CERT, "cafile": "{tls}/ca.pem", "capture_peer_cert": True, "capture_peer_cert_chain": True}
CHAIN_CLIENT = {**NOVERIFY, "local_cert": "{tls}/client-chain.pem", "local_pk": "{tls}/client-key.pem"}
tls("capture-peer-cert", ssl=CAPTURE, client_ssl=CLIENT_CERT, capture=True)
tls("capture-peer-cert-chain-sent", ssl=CAPTURE, client_ssl=CHAIN_CLIENT, capture=True)
tls("capture-without-client-cert", ssl=CAPTURE, capture=True)
tls("capture-chain-only", ssl={**CAPTURE, "capture_peer_cert": False}, client_ssl=CHAIN_CLIENT, capture=True)
tls("capture-off", ssl={**CERT, "cafile": "{tls}/ca.pem"}, client_ssl=CLIENT_CERT, capture=True)
tls("capture-verify-peer-off", ssl={**CAPTURE, "verify_peer": False}, client_ssl=CLIENT_CERT, capture=True)
tls("enable-capture-peer-cert", url="tcp://127.0.0.1:0", ssl=CAPTURE, server_enable=120, client_ssl=CHAIN_CLIENT, capture=True)
tls("capture-duplicate-in-chain", ssl=CAPTURE, client_ssl={**CHAIN_CLIENT, "local_cert": "{tls}/client-dup-chain.pem"}, capture=True)
# Captured before PHP's peer policy: a refusal by fingerprint or name still leaves the certificate.
tls("capture-fingerprint-mismatch", ssl={**CAPTURE, "peer_fingerprint": "0" * 40}, client_ssl=CLIENT_CERT, capture=True)
tls("capture-peer-name-mismatch", ssl={**CAPTURE, "verify_peer_name": True, "peer_name": "other.test"}, client_ssl=CLIENT_CERT, capture=True)
# ... but not after a verification failure, which PHP's refuses inside the handshake.
tls("capture-untrusted-client", ssl={**CAPTURE, "cafile": "{tls}/cert.pem"}, client_ssl=CLIENT_CERT, capture=True)

# verify_depth (default 9): PHP's verify callback refuses a certificate deeper than it in the
# verified chain (the peer's own is at 0, the root that issued it at 1); negative: no limit.
DEEP_CLIENT = {**NOVERIFY, "local_cert": "{tls}/deep-client.pem", "local_pk": "{tls}/deep-client-key.pem"}
TRUST_CA = {**CERT, "cafile": "{tls}/ca.pem"}
tls("verify-depth-1-intermediate", ssl={**TRUST_CA, "verify_depth": 1}, client_ssl=DEEP_CLIENT)
tls("verify-depth-2-intermediate", ssl={**TRUST_CA, "verify_depth": 2}, client_ssl=DEEP_CLIENT)
tls("verify-depth-default-intermediate", ssl=TRUST_CA, client_ssl=DEEP_CLIENT)
tls("verify-depth-negative", ssl={**TRUST_CA, "verify_depth": -1}, client_ssl=DEEP_CLIENT)
tls("verify-depth-null", ssl={**TRUST_CA, "verify_depth": None}, client_ssl=CLIENT_CERT)
tls("verify-depth-string", ssl={**TRUST_CA, "verify_depth": "1"}, client_ssl=CLIENT_CERT)
tls("verify-depth-0-self-signed-allowed", ssl={**CERT, "allow_self_signed": True, "verify_depth": 0},
    client_ssl={**NOVERIFY, "local_cert": "{tls}/cert.pem", "local_pk": "{tls}/key.pem"})
tls("verify-depth-0-verify-peer-off", ssl={**CERT, "verify_peer": False, "verify_depth": 0}, client_ssl=CLIENT_CERT)

json.dump(cases, __import__("sys").stdout, indent=1, ensure_ascii=False)
print()
