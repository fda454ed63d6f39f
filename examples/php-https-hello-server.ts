// The user note's "Hello World!" SSL HTTP server with a self-signed
// certificate, ported line for line. examples/php/https-hello-server.php is
// the PHP original. The openssl_* calls have no facade equivalent: the
// certificate comes from the library's selfSignedCertificate() (an EC P-256
// key and a certificate for the DN's commonName; the other DN fields are not
// in it) and node:crypto encrypts the key with the passphrase, as
// openssl_pkey_export() does. The rest is the note's.
//
//   <?php
//   $dn = array("countryName" => "UK", …, "commonName" => "Wez Furlong", "emailAddress" => "wez@example.com");
//   $privkey = openssl_pkey_new();
//   $cert    = openssl_csr_new($dn, $privkey);
//   $cert    = openssl_csr_sign($cert, null, $privkey, 365);
//   $pem_passphrase = 'comet';
//   $pem = array();
//   openssl_x509_export($cert, $pem[0]);
//   openssl_pkey_export($privkey, $pem[1], $pem_passphrase);
//   $pem = implode($pem);
//   $pemfile = './server.pem';
//   file_put_contents($pemfile, $pem);
//
//   $context = stream_context_create();
//   stream_context_set_option($context, 'ssl', 'local_cert', $pemfile);
//   stream_context_set_option($context, 'ssl', 'passphrase', $pem_passphrase);
//   stream_context_set_option($context, 'ssl', 'allow_self_signed', true);
//   stream_context_set_option($context, 'ssl', 'verify_peer', false);
//
//   $server = stream_socket_server('ssl://0.0.0.0:9001', $errno, $errstr,
//       STREAM_SERVER_BIND | STREAM_SERVER_LISTEN, $context);
//   while (true) {
//       $buffer = '';
//       print "waiting...";
//       $client = stream_socket_accept($server);
//       print "accepted " . stream_socket_get_name($client, true) . "\n";
//       if ($client) {
//           while (!preg_match('/\r?\n\r?\n/', $buffer))      // read until a blank line
//               $buffer .= fread($client, 2046);
//           fwrite($client, "200 OK HTTP/1.1\r\n"
//               . "Connection: close\r\n"
//               . "Content-Type: text/html\r\n"
//               . "\r\n"
//               . "Hello World! " . microtime(true)
//               . "\n<pre>{$buffer}</pre>");
//           fclose($client);
//       } else {
//           print "error.\n";
//       }
//   }
//
//   node dist/examples/php-https-hello-server.js [ssl://127.0.0.1:9001]   (writes ./server.pem)
import { createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { selfSignedCertificate } from '../lib/index.js';
import {
  fclose,
  fread,
  fwrite,
  ref,
  stream_context_create,
  stream_context_set_option,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  STREAM_SERVER_BIND,
  STREAM_SERVER_LISTEN,
  type PhpServerStream,
  type PhpStream,
} from '../lib/php/index.js';
import { cat, echo, microtime } from './php-builtins.js';

// Certificate data:
const dn = {
  countryName: 'UK',
  stateOrProvinceName: 'Somerset',
  localityName: 'Glastonbury',
  organizationName: 'The Brain Room Limited',
  organizationalUnitName: 'PHP Documentation Team',
  commonName: 'Wez Furlong',
  emailAddress: 'wez@example.com',
};

// Generate certificate (openssl_pkey_new(), openssl_csr_new(), openssl_csr_sign(…, 365))
const { cert, key: privkey } = selfSignedCertificate({ commonName: dn.commonName, days: 365 });

// Generate PEM file
const pem_passphrase = 'comet';
const pem: string[] = [];
pem[0] = cert; // openssl_x509_export($cert, $pem[0])
pem[1] = createPrivateKey(privkey).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: pem_passphrase }) as string; // openssl_pkey_export($privkey, $pem[1], $pem_passphrase)
const pemText = pem.join(''); // implode($pem)

// Save PEM file
const pemfile = './server.pem';
writeFileSync(pemfile, pemText); // file_put_contents()

const context = stream_context_create();

// local_cert must be in PEM format
stream_context_set_option(context, 'ssl', 'local_cert', pemfile);
// Pass Phrase (password) of private key
stream_context_set_option(context, 'ssl', 'passphrase', pem_passphrase);

stream_context_set_option(context, 'ssl', 'allow_self_signed', true);
stream_context_set_option(context, 'ssl', 'verify_peer', false);

// Create the server socket
const errno = ref(0);
const errstr = ref('');
const server = stream_socket_server(
  process.argv[2] ?? 'ssl://0.0.0.0:9001',
  errno,
  errstr,
  STREAM_SERVER_BIND | STREAM_SERVER_LISTEN,
  context,
) as PhpServerStream; // false: PHP's TypeError at the first stream_socket_get_name(), as there
echo('listening on ', stream_socket_get_name(server, false), '\n');

for (;;) {
  let buffer: Buffer = Buffer.alloc(0);
  echo('waiting...');
  const client = await stream_socket_accept(server);
  echo('accepted ', stream_socket_get_name(client as PhpStream, true), '\n'); // false: PHP's TypeError there too
  if (client) {
    // Read until double CRLF
    while (!/\r?\n\r?\n/.test(buffer.toString('latin1'))) buffer = cat(buffer, await fread(client, 2046));
    // Respond to client
    await fwrite(
      client,
      cat(
        '200 OK HTTP/1.1\r\n' + 'Connection: close\r\n' + 'Content-Type: text/html\r\n' + '\r\n' + 'Hello World! ',
        microtime(true),
        '\n<pre>',
        buffer,
        '</pre>',
      ),
    );
    fclose(client);
  } else {
    echo('error.\n');
  }
}
