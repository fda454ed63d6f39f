// The user note on port 0, ported line for line from examples/php/port-zero.php:
// the system picks a free port, stream_socket_get_name() tells which.
//
//   <?php
//   $sock = stream_socket_server("udp://127.0.0.1:0", $errno, $errstr, STREAM_SERVER_BIND);
//   $name = stream_socket_get_name($sock, false);
//   echo $name, "\n";            // e.g. 127.0.0.1:50275
//
//   node dist/examples/php-port-zero.js
import { fclose, ref, stream_socket_get_name, stream_socket_server, STREAM_SERVER_BIND, type PhpServerStream } from '../lib/php/index.js';
import { echo } from './php-builtins.js';

const errno = ref(0);
const errstr = ref('');
const sock = stream_socket_server('udp://127.0.0.1:0', errno, errstr, STREAM_SERVER_BIND) as PhpServerStream;
const name = stream_socket_get_name(sock, false);
echo(name, '\n'); // e.g. 127.0.0.1:50275
fclose(sock); // PHP's script ends here and the stream with it; a Node process lives while a server stream is open
