<?php
// The fast writer for slow-reader-server.php: writes $argv[2] bytes (1 MiB by default) with one
// fwrite(), ends its side, and prints what it sent and what the server says it got.
// With "nonblocking" as $argv[3] the stream is non-blocking while it writes: fwrite() then
// writes what the kernel takes at once and returns that count (what a writer that ignores it
// "loses" never left the writer).
$fp = stream_socket_client($argv[1], $errno, $errstr, 5);
if (!$fp) {
    die("$errstr ($errno)\n");
}
$length = (int)($argv[2] ?? 1048576);
$data = '';
for ($i = 0; strlen($data) < $length; ++$i) {
    $data .= sprintf("%07d:", $i) . str_repeat(chr(97 + $i % 26), 55) . "\n";
}
$data = substr($data, 0, $length);
if (($argv[3] ?? '') === 'nonblocking') {
    stream_set_blocking($fp, false);
}
$written = fwrite($fp, $data);
stream_set_blocking($fp, true);
stream_socket_shutdown($fp, STREAM_SHUT_WR);
echo "wrote ", $written, " of ", strlen($data), " bytes, md5 ", md5(substr($data, 0, $written)), "\n";
echo "server: ", stream_get_contents($fp);
fclose($fp);
