<?php
// stream_client.php: the user note's client for stream_server.php.
// One change: the address may come as the first argument.
$fp = stream_socket_client($argv[1] ?? "tcp://127.0.0.1:8000", $errno, $errstr, 30);
if (!$fp) {
    echo "$errstr ($errno)<br />\n";
} else {
    fwrite($fp, "Aloha");
    while (!feof($fp)) {
        var_dump(fgets($fp, 1024));
    }
    fclose($fp);
}
