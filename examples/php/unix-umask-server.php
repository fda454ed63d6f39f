<?php
// The user note on unix sockets: the socket file stream_socket_server() creates follows the
// process umask, so umask(0) before it makes the socket writable by everyone.
// The path may come as the first argument, the mask (octal) as the second; the server prints
// the file's permissions.
umask(octdec($argv[2] ?? "0"));          // the note: umask(0); a test may pass another mask
$socket = stream_socket_server($argv[1] ?? "unix:///tmp/my.sock", $errno, $errstr);
if (!$socket) {
    die("$errstr ($errno)\n");
}
$path = stream_socket_get_name($socket, false);
clearstatcache();
printf("listening on %s mode %o\n", $path, fileperms($path));
while ($conn = stream_socket_accept($socket, -1)) {
    fwrite($conn, "hello from a socket anyone may write to\n");
    fclose($conn);
}
