<?php
// A STARTTLS server following the steps of the user note on TLS servers (the note gives steps,
// not a program): listen on tcp:// (the note advises against ssl:// for servers), accept with
// the listener blocking, greet in plain text, wait for the client's "STARTTLS" command, answer,
// then stream_socket_enable_crypto($conn, true, STREAM_CRYPTO_METHOD_SSLv23_SERVER) with the
// connection blocking; then fread()/fwrite() over TLS.
// The certificate chain (leaf first) and its passphrase-protected key are ./cert.pem and
// ./key.pem (passphrase 'comet'); the address may come as the first argument.
$context = stream_context_create(['ssl' => [
    'local_cert' => './cert.pem',
    'local_pk' => './key.pem',
    'passphrase' => 'comet',
    'verify_peer' => false,
    // Mozilla's intermediate list (TLS 1.2; TLS 1.3 keeps its own suites)
    'ciphers' => 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:'
        . 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:'
        . 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
]]);
$server = stream_socket_server($argv[1] ?? 'tcp://0.0.0.0:8025', $errno, $errstr,
    STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $context);
if (!$server) {
    die("$errstr ($errno)\n");
}
echo "listening on ", stream_socket_get_name($server, false), "\n";

// The listener blocks (PHP's default): accept waits for a client.
while ($conn = stream_socket_accept($server, -1)) {
    fwrite($conn, "220 ready\r\n");
    $command = fgets($conn, 1024);
    echo "client: ", var_export($command, true), "\n";
    if ($command === "STARTTLS\r\n") {
        fwrite($conn, "220 Go ahead\r\n");
        stream_set_blocking($conn, true);           // the handshake with the connection blocking
        $secured = stream_socket_enable_crypto($conn, true, STREAM_CRYPTO_METHOD_SSLv23_SERVER);
        echo "crypto: ", var_export($secured, true), "\n";
        if ($secured) {
            $line = fgets($conn, 1024);
            $crypto = stream_get_meta_data($conn)['crypto'];
            fwrite($conn, "250 over {$crypto['protocol']}: you said " . $line);
        }
    } else {
        fwrite($conn, "530 Must issue a STARTTLS command first\r\n");
    }
    fclose($conn);
}
