<?php
// The PHP manual's stream_socket_server() Example 2: a UDP time server (STREAM_SERVER_BIND only).
// One change: the address may come as the first argument (tests listen on port 0), and the
// server prints where it listens.
$socket = stream_socket_server($argv[1] ?? "udp://127.0.0.1:1113", $errno, $errstr, STREAM_SERVER_BIND);
if (!$socket) {
    die("$errstr ($errno)");
}
echo "listening on ", stream_socket_get_name($socket, false), "\n";
do {
    $pkt = stream_socket_recvfrom($socket, 1, 0, $peer);
    echo "$peer\n";
    stream_socket_sendto($socket, date("D M j H:i:s Y\r\n"), 0, $peer);
} while ($pkt !== false);
