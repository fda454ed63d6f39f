<?php
// stream_server.php: the user note's stream_select() server for many clients, as printed.
// Changes: the address may come as the first argument (tests listen on port 0), and the server
// prints where it listens; `stream_select($read, $_w = NULL, $_e = NULL, 5)` assigns its
// variables first (PHP 8: "Argument #2 ($write) cannot be passed by reference"); the last
// branch's fclose() is reconstructed (the page lost it).
// As printed it reads $read[$i] for $i = 0 .. $mod_fd - 1, but stream_select() keeps the keys of
// the streams that are ready: once a client sends, its stream is $read[1], $read[0] is undefined
// and PHP 8.2 dies with "TypeError: fread(): Argument #1 ($stream) must be of type resource, null
// given". stream-select-server-foreach.php is the corrected loop.
$master = array();
$socket = stream_socket_server($argv[1] ?? "tcp://0.0.0.0:8000", $errno, $errstr);
if (!$socket) {
    echo "$errstr ($errno)<br />\n";
} else {
    echo "listening on ", stream_socket_get_name($socket, false), "\n";
    $master[] = $socket;
    $read = $master;
    while (1) {
        $read = $master;
        $_w = NULL;
        $_e = NULL;
        $mod_fd = stream_select($read, $_w, $_e, 5);
        if ($mod_fd === FALSE) {
            break;
        }
        for ($i = 0; $i < $mod_fd; ++$i) {
            if ($read[$i] === $socket) {
                $conn = stream_socket_accept($socket);
                fwrite($conn, "Hello! The time is ".date("n/j/Y g:i a")."\n");
                $master[] = $conn;
            } else {
                $sock_data = fread($read[$i], 1024);
                var_dump($sock_data);
                if (strlen($sock_data) === 0) { // connection closed
                    $key_to_del = array_search($read[$i], $master, TRUE);
                    fclose($read[$i]);
                    unset($master[$key_to_del]);
                } else if ($sock_data === FALSE) {
                    echo "Something bad happened";
                    $key_to_del = array_search($read[$i], $master, TRUE);
                    unset($master[$key_to_del]);
                } else {
                    echo "The client has sent :"; var_dump($sock_data);
                    fwrite($read[$i], "You have sent :[".$sock_data."]\n");
                    fclose($read[$i]);
                    unset($master[array_search($read[$i], $master)]);
                }
            }
        }
    }
}
