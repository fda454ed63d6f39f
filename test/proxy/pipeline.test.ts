// ProxyPipeline over a real listener: headers read side by side, connections
// handed out in the order their headers complete, dropped ones skipped, and
// close() letting the headers in flight finish.
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { openServer } from '../../lib/index.js';
import { ProxyPipeline } from '../../lib/proxy/pipeline.js';
import { ProxyReader } from '../../lib/proxy/reader.js';
import { checkSocketLeaks } from '../helpers/leaks.js';
import { closeSync } from 'node:fs';

const track = checkSocketLeaks();

function client(port: number, chunks: string[], gapMs = 0): net.Socket {
  const socket = track(net.connect(port, '127.0.0.1'));
  socket.on('error', () => {});
  const send = async (): Promise<void> => {
    for (const chunk of chunks) {
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
      if (!socket.destroyed) socket.write(chunk);
    }
  };
  socket.once('connect', () => void send());
  return socket;
}

describe('ProxyPipeline', () => {
  it('a slow header does not hold up the clients behind it; a bad one is skipped; close() ends it', async () => {
    const server = track(openServer('tcp://127.0.0.1:0'));
    const pipeline = new ProxyPipeline(
      (signal) => server.acceptFds(64, { signal }),
      new ProxyReader({ trusted: ['127.0.0.1'], timeout: 2000 }),
    );
    client(server.port, [...'PROXY TCP4 10.0.0.1 10.0.0.9 1 80\r\n'], 10); // about 350 ms
    await new Promise((resolve) => setTimeout(resolve, 20));
    client(server.port, ['PROXY TCP4 bad\r\n']);
    client(server.port, ['PROXY TCP4 10.0.0.2 10.0.0.9 2 80\r\n']);
    client(server.port, ['PROXY TCP4 10.0.0.3 10.0.0.9 3 80\r\n']);
    const sources: string[] = [];
    for (let i = 0; i < 3; i++) {
      const admitted = (await pipeline.next())!;
      sources.push((admitted.header!.source as { address: string }).address);
      closeSync(admitted.fd);
    }
    expect([...sources.slice(0, 2)].sort()).toEqual(['10.0.0.2', '10.0.0.3']); // the fast ones, in whichever order they completed
    expect(sources[2]).toBe('10.0.0.1'); // the slow one last, though it came first
    pipeline.close();
    expect(await pipeline.next()).toBeNull();
  });
});
