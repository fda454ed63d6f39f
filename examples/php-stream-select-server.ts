// The user note's stream_select() server for many clients (stream_server.php),
// ported line for line, as printed: examples/php/stream-select-server.php is
// the PHP original (the same text as below, runnable on PHP 8.2).
//
// As printed it is broken on PHP 8.2, and so is this port: stream_select()
// keeps the keys of the streams that are ready, so once a client sends, the
// ready stream is $read[1] and $read[0] is undefined; fread(null) is a
// TypeError that ends the script ("fread(): Argument #1 ($stream) must be of
// type resource, null given"). The client has its greeting and then reads end
// of stream. examples/php-stream-select-server-foreach.ts is the corrected loop.
//
//   <?php
//   $master = array();
//   $socket = stream_socket_server("tcp://0.0.0.0:8000", $errno, $errstr);
//   if (!$socket) {
//       echo "$errstr ($errno)<br />\n";
//   } else {
//       $master[] = $socket;
//       $read = $master;
//       while (1) {
//           $read = $master;
//           $_w = NULL; $_e = NULL;     // the note passes `$_w = NULL` inline: an Error on PHP 8
//           $mod_fd = stream_select($read, $_w, $_e, 5);
//           if ($mod_fd === FALSE) {
//               break;
//           }
//           for ($i = 0; $i < $mod_fd; ++$i) {
//               if ($read[$i] === $socket) {
//                   $conn = stream_socket_accept($socket);
//                   fwrite($conn, "Hello! The time is ".date("n/j/Y g:i a")."\n");
//                   $master[] = $conn;
//               } else {
//                   $sock_data = fread($read[$i], 1024);
//                   var_dump($sock_data);
//                   if (strlen($sock_data) === 0) { // connection closed
//                       $key_to_del = array_search($read[$i], $master, TRUE);
//                       fclose($read[$i]);
//                       unset($master[$key_to_del]);
//                   } else if ($sock_data === FALSE) {
//                       echo "Something bad happened";
//                       $key_to_del = array_search($read[$i], $master, TRUE);
//                       unset($master[$key_to_del]);
//                   } else {
//                       echo "The client has sent :"; var_dump($sock_data);
//                       fwrite($read[$i], "You have sent :[".$sock_data."]\n");
//                       fclose($read[$i]);                   // (reconstructed: the page lost it)
//                       unset($master[array_search($read[$i], $master)]);
//                   }
//               }
//           }
//       }
//   }
//
//   node dist/examples/php-stream-select-server.js [tcp://127.0.0.1:8000]
import {
  fclose,
  fread,
  fwrite,
  ref,
  stream_select,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  type PhpStream,
} from '../lib/php/index.js';
import { array_search, cat, date, echo, strlen, var_dump } from './php-builtins.js';

// A PHP array of streams: a JS array whose unset() keys are holes.
const master: PhpStream[] = [];
const errno = ref(0);
const errstr = ref('');
const socket = stream_socket_server(process.argv[2] ?? 'tcp://0.0.0.0:8000', errno, errstr);
if (!socket) {
  echo(`${errstr.value} (${errno.value})<br />\n`);
} else {
  echo(`listening on ${stream_socket_get_name(socket, false)}\n`);
  master.push(socket);
  const read = ref<PhpStream[] | null>(master.slice()); // slice(): PHP copies arrays on assignment, holes stay holes
  for (;;) {
    read.value = master.slice();
    const _w = ref(null);
    const _e = ref(null);
    const mod_fd = await stream_select(read, _w, _e, 5);
    if (mod_fd === false) {
      break;
    }
    for (let i = 0; i < mod_fd; ++i) {
      if (read.value![i] === socket) {
        const conn = (await stream_socket_accept(socket)) as PhpStream;
        await fwrite(conn, 'Hello! The time is ' + date('n/j/Y g:i a') + '\n');
        master.push(conn);
      } else {
        // read.value[i] is undefined when the ready stream has another key: PHP's null, and fread()'s TypeError.
        const sock_data = await fread(read.value![i]!, 1024);
        var_dump(sock_data);
        if (strlen(sock_data) === 0) {
          // connection closed
          const key_to_del = array_search(read.value![i], master, true);
          fclose(read.value![i]!);
          delete master[key_to_del as number];
        } else if (sock_data === false) {
          echo('Something bad happened');
          const key_to_del = array_search(read.value![i], master, true);
          delete master[key_to_del as number];
        } else {
          echo('The client has sent :');
          var_dump(sock_data);
          await fwrite(read.value![i]!, cat('You have sent :[', sock_data, ']\n'));
          fclose(read.value![i]!);
          delete master[array_search(read.value![i], master) as number];
        }
      }
    }
  }
}
