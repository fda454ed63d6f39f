<?php
// The client of starttls-server.php: reads the greeting, asks for STARTTLS, enables crypto as a
// client (verify_peer off: the certificate is self-signed), then talks over TLS. Arguments: the
// server's tcp:// address, then optionally "plain" (never sends STARTTLS) or a crypto method
// name ("tls1.2" asks for TLS 1.2, where the server's cipher list applies).
$ctx = stream_context_create(['ssl' => ['verify_peer' => false, 'verify_peer_name' => false]]);
$fp = stream_socket_client($argv[1], $errno, $errstr, 5, STREAM_CLIENT_CONNECT, $ctx);
if (!$fp) {
    die("$errstr ($errno)\n");
}
$mode = $argv[2] ?? 'tls';
var_dump(fgets($fp, 1024));
if ($mode === 'plain') {
    fwrite($fp, "HELO example.com\r\n");
    var_dump(fgets($fp, 1024));
} else {
    fwrite($fp, "STARTTLS\r\n");
    var_dump(fgets($fp, 1024));
    $method = $mode === 'tls1.2' ? STREAM_CRYPTO_METHOD_TLSv1_2_CLIENT : STREAM_CRYPTO_METHOD_TLS_CLIENT;
    var_dump(stream_socket_enable_crypto($fp, true, $method));
    $crypto = stream_get_meta_data($fp)['crypto'];
    echo $crypto['protocol'], ' ', $crypto['cipher_name'], "\n";
    fwrite($fp, "HELO example.com\r\n");
    var_dump(fgets($fp, 1024));
}
var_dump(fgets($fp, 1024));
var_dump(feof($fp));
fclose($fp);
