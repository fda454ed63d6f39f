// A STARTTLS server following the steps of the user note on TLS servers,
// ported line for line from examples/php/starttls-server.php (the note gives
// steps, not a program): listen on tcp://, accept, greet in plain text, wait
// for "STARTTLS", answer, then stream_socket_enable_crypto() with
// STREAM_CRYPTO_METHOD_SSLv23_SERVER and talk over TLS with fgets()/fwrite().
// ./cert.pem and ./key.pem (passphrase 'comet') are the certificate and its key.
//
//   <?php
//   $context = stream_context_create(['ssl' => [
//       'local_cert' => './cert.pem', 'local_pk' => './key.pem', 'passphrase' => 'comet',
//       'verify_peer' => false, 'ciphers' => '…Mozilla\'s intermediate list…',
//   ]]);
//   $server = stream_socket_server('tcp://0.0.0.0:8025', $errno, $errstr,
//       STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $context);
//   if (!$server) {
//       die("$errstr ($errno)\n");
//   }
//   while ($conn = stream_socket_accept($server, -1)) {
//       fwrite($conn, "220 ready\r\n");
//       $command = fgets($conn, 1024);
//       echo "client: ", var_export($command, true), "\n";
//       if ($command === "STARTTLS\r\n") {
//           fwrite($conn, "220 Go ahead\r\n");
//           stream_set_blocking($conn, true);
//           $secured = stream_socket_enable_crypto($conn, true, STREAM_CRYPTO_METHOD_SSLv23_SERVER);
//           echo "crypto: ", var_export($secured, true), "\n";
//           if ($secured) {
//               $line = fgets($conn, 1024);
//               $crypto = stream_get_meta_data($conn)['crypto'];
//               fwrite($conn, "250 over {$crypto['protocol']}: you said " . $line);
//           }
//       } else {
//           fwrite($conn, "530 Must issue a STARTTLS command first\r\n");
//       }
//       fclose($conn);
//   }
//
//   node dist/examples/php-starttls-server.js [tcp://127.0.0.1:8025]
import {
  fclose,
  fgets,
  fwrite,
  ref,
  stream_context_create,
  stream_get_meta_data,
  stream_set_blocking,
  stream_socket_accept,
  stream_socket_enable_crypto,
  stream_socket_get_name,
  stream_socket_server,
  STREAM_CRYPTO_METHOD_SSLv23_SERVER,
  STREAM_SERVER_BIND,
  STREAM_SERVER_LISTEN,
} from '../lib/php/index.js';
import { cat, die, echo, var_export } from './php-builtins.js';

const context = stream_context_create({
  ssl: {
    local_cert: './cert.pem',
    local_pk: './key.pem',
    passphrase: 'comet',
    verify_peer: false,
    // Mozilla's intermediate list (TLS 1.2; TLS 1.3 keeps its own suites)
    ciphers:
      'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:' +
      'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:' +
      'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
  },
});
const errno = ref(0);
const errstr = ref('');
const server = stream_socket_server(
  process.argv[2] ?? 'tcp://0.0.0.0:8025',
  errno,
  errstr,
  STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
  context,
);
if (!server) {
  die(`${errstr.value} (${errno.value})\n`);
}
echo('listening on ', stream_socket_get_name(server, false), '\n');

// The listener blocks (PHP's default): accept waits for a client.
let conn;
while ((conn = await stream_socket_accept(server, -1))) {
  await fwrite(conn, '220 ready\r\n');
  const command = await fgets(conn, 1024);
  echo('client: ', var_export(command, true), '\n');
  if (command !== false && command.equals(Buffer.from('STARTTLS\r\n'))) {
    await fwrite(conn, '220 Go ahead\r\n');
    stream_set_blocking(conn, true); // the handshake with the connection blocking
    const secured = await stream_socket_enable_crypto(conn, true, STREAM_CRYPTO_METHOD_SSLv23_SERVER);
    echo('crypto: ', var_export(secured, true), '\n');
    if (secured) {
      const line = await fgets(conn, 1024);
      const crypto = stream_get_meta_data(conn).crypto as { protocol: string };
      await fwrite(conn, cat(`250 over ${crypto.protocol}: you said `, line));
    }
  } else {
    await fwrite(conn, '530 Must issue a STARTTLS command first\r\n');
  }
  fclose(conn);
}
