<?php
// The user note on "internal fixed 8k buffers that will overflow if you don't keep up by
// reading": a server that reads slowly (1 KiB, then a millisecond's nap) from one client that
// writes fast, then answers how many bytes it got and their MD5.
// The address may come as the first argument.
$socket = stream_socket_server($argv[1] ?? "tcp://127.0.0.1:8000", $errno, $errstr);
if (!$socket) {
    die("$errstr ($errno)\n");
}
echo "listening on ", stream_socket_get_name($socket, false), "\n";
$conn = stream_socket_accept($socket, -1);
$received = '';
$reads = 0;
while (!feof($conn)) {
    $data = fread($conn, 1024);
    $received .= $data;
    ++$reads;
    usleep(1000);                  // busy with something else: the writer is far ahead
}
echo "read ", strlen($received), " bytes in $reads reads\n";
fwrite($conn, strlen($received) . " bytes, md5 " . md5($received) . "\n");
fclose($conn);
fclose($socket);
