<?php
// The user note on port 0: the system picks a free port, stream_socket_get_name() tells which.
$sock = stream_socket_server("udp://127.0.0.1:0", $errno, $errstr, STREAM_SERVER_BIND);
$name = stream_socket_get_name($sock, false);
echo $name, "\n";            // e.g. 127.0.0.1:50275
