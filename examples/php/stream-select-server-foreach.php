<?php
// stream_server.php with the loop the note means: foreach ($read as $r) in place of
// for ($i = 0; $i < $mod_fd; ++$i) { ... $read[$i] ... }, since stream_select() keeps the keys of
// the streams that are ready. Otherwise as stream-select-server.php.
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
        foreach ($read as $r) {
            if ($r === $socket) {
                $conn = stream_socket_accept($socket);
                fwrite($conn, "Hello! The time is ".date("n/j/Y g:i a")."\n");
                $master[] = $conn;
            } else {
                $sock_data = fread($r, 1024);
                var_dump($sock_data);
                if (strlen($sock_data) === 0) { // connection closed
                    $key_to_del = array_search($r, $master, TRUE);
                    fclose($r);
                    unset($master[$key_to_del]);
                } else if ($sock_data === FALSE) {
                    echo "Something bad happened";
                    $key_to_del = array_search($r, $master, TRUE);
                    unset($master[$key_to_del]);
                } else {
                    echo "The client has sent :"; var_dump($sock_data);
                    fwrite($r, "You have sent :[".$sock_data."]\n");
                    fclose($r);
                    unset($master[array_search($r, $master)]);
                }
            }
        }
    }
}
