// The classic PHP loop, stream_select() then stream_socket_accept(), on a
// proxy_protocol server: two clients that arrive together are both served.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  fclose,
  ref,
  stream_context_create,
  stream_select,
  stream_socket_accept,
  stream_socket_get_name,
  stream_socket_server,
  type PhpServerStream,
} from '../../lib/php/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stream_select + stream_socket_accept with proxy_protocol', () => {
  it('two clients that arrived together are both seen by select (control: the same loop without proxy_protocol)', async () => {
    for (const proxied of [false, true]) {
      const context = stream_context_create({ socket: proxied ? { proxy_protocol: { trusted: ['127.0.0.1'] } } : {} });
      const server = stream_socket_server('tcp://127.0.0.1:0', null, null, 12, context) as PhpServerStream;
      track(server);
      const port = Number(String(stream_socket_get_name(server, false)).split(':').pop());
      for (const n of [1, 2]) {
        const c = track(net.connect(port, '127.0.0.1'));
        c.on('error', () => {});
        await once(c, 'connect');
        c.write(`PROXY TCP4 203.0.113.${n} 192.0.2.1 5000${n} 80\r\n`);
      }
      await sleep(50);
      const got: string[] = [];
      for (let i = 0; i < 2; i++) {
        const read = ref<PhpServerStream[] | null>([server]);
        const n = await stream_select(read, null, null, 1); // PHP: wait until the listener is readable
        if (n !== 1) break;
        const peer = ref<string | false>('');
        const conn = await stream_socket_accept(server, 0, peer);
        if (conn === false) break;
        got.push(String(peer.value));
        fclose(conn);
      }
      console.log(proxied ? 'proxy_protocol:' : 'plain:', got);
      expect(got.length).toBe(2);
      fclose(server);
    }
  });
});
