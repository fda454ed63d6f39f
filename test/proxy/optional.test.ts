// required: false: a trusted peer that sends no header and waits for the
// server to speak first (SMTP, FTP, MySQL) is handed out at the deadline.
import { once } from 'node:events';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { checkSocketLeaks } from '../helpers/leaks.js';

const track = checkSocketLeaks();

describe('proxyProtocol { required: false }', () => {
  it('a trusted peer without a header that waits for a banner (SMTP, FTP, MySQL...) is handed out', async () => {
    const server = track(openServer('tcp://127.0.0.1:0', { proxyProtocol: { trusted: ['127.0.0.1'], required: false, timeout: 500 } }));
    const client = track(net.connect(server.port, '127.0.0.1'));
    const ended = new Promise<string>((resolve) => {
      client.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      client.on('close', () => resolve('close'));
    });
    await once(client, 'connect'); // ... and sends nothing: it waits for "220 ready"
    const outcome = await server.accept({ timeout: 1500 }).then(
      (conn) => (track(conn), 'handed out'),
      (error: NodeJS.ErrnoException) => `accept: ${error.code}`,
    );
    console.log({ outcome, client: await Promise.race([ended, Promise.resolve('open')]), dropped: server.stats().proxy!.dropped });
    expect(outcome).toBe('handed out');
  });
});
