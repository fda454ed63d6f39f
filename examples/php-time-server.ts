// The PHP manual's stream_socket_server() Example 1, ported line for line
// through the PHP facade: the same calls, the same order, the same output.
// examples/php/time-server.php is the PHP original; test/seed-programs.test.ts
// runs both and compares what PHP's client reads.
//
//   <?php
//   $socket = stream_socket_server("tcp://0.0.0.0:8000", $errno, $errstr);
//   if (!$socket) {
//     echo "$errstr ($errno)<br />\n";
//   } else {
//     while ($conn = stream_socket_accept($socket)) {
//       fwrite($conn, 'The local time is ' . date('n/j/Y g:i a') . "\n");
//       fclose($conn);
//     }
//     fclose($socket);
//   }
//
//   node dist/examples/php-time-server.js [tcp://127.0.0.1:8000]
import { fclose, fwrite, ref, stream_socket_accept, stream_socket_get_name, stream_socket_server } from '../lib/php/index.js';
import { date } from './php-builtins.js';

const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'tcp://0.0.0.0:8000', errno, errstr);
if (!socket) {
  console.log(`${errstr.value} (${errno.value})<br />`);
  process.exitCode = 1;
} else {
  console.log(`listening on ${stream_socket_get_name(socket, false)}`);
  let conn;
  // As in PHP: the accept waits default_socket_timeout (60 s), then the loop ends with PHP's warning.
  while ((conn = await stream_socket_accept(socket))) {
    await fwrite(conn, 'The local time is ' + date('n/j/Y g:i a') + '\n');
    fclose(conn);
  }
  fclose(socket);
}
