<?php
// The PHP manual's stream_socket_server() Example 1: a TCP time server.
// One change: the address may come as the first argument (tests listen on port 0), and the
// server prints where it listens.
$socket = stream_socket_server($argv[1] ?? "tcp://0.0.0.0:8000", $errno, $errstr);
if (!$socket) {
  echo "$errstr ($errno)<br />\n";
} else {
  echo "listening on ", stream_socket_get_name($socket, false), "\n";
  while ($conn = stream_socket_accept($socket)) {
    fwrite($conn, 'The local time is ' . date('n/j/Y g:i a') . "\n");
    fclose($conn);
  }
  fclose($socket);
}
