// The PHP manual's stream_socket_server() Example 1, ported line for line
// through the PHP facade: the same calls, the same order, the same output.
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
import { fclose, ref, stream_socket_accept, stream_socket_get_name, stream_socket_server } from '../lib/php/index.js';

/** PHP's date('n/j/Y g:i a'). */
function date(now = new Date()): string {
  const h = now.getHours() % 12 || 12;
  return `${now.getMonth() + 1}/${now.getDate()}/${now.getFullYear()} ${h}:${String(now.getMinutes()).padStart(2, '0')} ${now.getHours() < 12 ? 'am' : 'pm'}`;
}

const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'tcp://0.0.0.0:8000', errno, errstr);
if (!socket) {
  console.log(`${errstr.value} (${errno.value})<br />`);
  process.exitCode = 1;
} else {
  console.log(`listening on ${stream_socket_get_name(socket, false)}`);
  process.once('SIGTERM', () => fclose(socket));
  let conn;
  // A negative timeout waits forever, as a PHP daemon would set it.
  while ((conn = await stream_socket_accept(socket, -1))) {
    conn.end(`The local time is ${date()}\n`); // fwrite + fclose
  }
  fclose(socket);
}
