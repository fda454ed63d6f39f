// The PHP manual's Example 1 served over TLS, as its user notes do it:
// make a self-signed certificate (there with openssl_pkey_new(),
// openssl_csr_new() and openssl_csr_sign(); here with selfSignedCertificate(),
// no openssl binary either), write it to a PEM file, and listen on ssl://.
//
//   <?php
//   $context = stream_context_create(['ssl' => ['local_cert' => $pem, 'verify_peer' => false]]);
//   $socket = stream_socket_server("ssl://0.0.0.0:8443", $errno, $errstr,
//                                  STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $context);
//   while ($conn = stream_socket_accept($socket, -1)) { fwrite($conn, ...); fclose($conn); }
//
//   node dist/examples/php-tls-time-server.js [ssl://127.0.0.1:8443]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCertificate } from '../lib/index.js';
import {
  fclose,
  ref,
  stream_context_create,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_sendto,
  stream_socket_server,
  STREAM_SERVER_BIND,
  STREAM_SERVER_LISTEN,
} from '../lib/php/index.js';

// The certificate and key in one PEM file, as PHP's local_cert accepts them.
const { cert, key } = selfSignedCertificate({ commonName: 'localhost' });
const dir = mkdtempSync(join(tmpdir(), 'php-tls-time-'));
const pem = join(dir, 'server.pem');
writeFileSync(pem, cert + key, { mode: 0o600 });

const context = stream_context_create({ ssl: { local_cert: pem, verify_peer: false } });
const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(
  process.argv[2] ?? 'ssl://0.0.0.0:8443',
  errno,
  errstr,
  STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
  context,
);
if (!socket) {
  console.log(`${errstr.value} (${errno.value})`);
  process.exitCode = 1;
} else {
  console.log(`listening on ${stream_socket_get_name(socket, false)}`);
  process.once('SIGTERM', () => fclose(socket));
  // A failed handshake gives false too (after PHP's warnings); a daemon keeps serving.
  for (;;) {
    const conn = await stream_socket_accept(socket, -1);
    if (conn) {
      stream_socket_sendto(conn, `The local time is ${new Date().toISOString()}\n`);
      fclose(conn); // close_notify, then close
    } else if (socket.server?.closed) break;
  }
}
rmSync(dir, { recursive: true, force: true });
