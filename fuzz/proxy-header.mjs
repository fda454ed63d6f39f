// The PROXY header parser (lib/proxy/header.ts) under random and mutated
// headers: every input must get a decision (more / done / invalid), never an
// exception or a length past the input, within a bounded time.
//   node fuzz/proxy-header.mjs [--count 1000000] [--seed 1]
import { parseArgs } from 'node:util';
import { parseProxyHeader, V2_SIGNATURE } from '../dist/lib/proxy/header.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' } } });
let seed = Number(values.seed) >>> 0 || 1;
const random = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => random(256)));

function tlv(type, value) {
  const head = Buffer.from([type, 0, 0]);
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}
function v2(verCmd, family, body) {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([V2_SIGNATURE, Buffer.from([verCmd, family]), length, body]);
}
const SEEDS = [
  Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n'),
  Buffer.from('PROXY TCP6 2001:db8::1 ::ffff:1.2.3.4 1 65535\r\n'),
  Buffer.from('PROXY UNKNOWN\r\n'),
  v2(
    0x21,
    0x11,
    Buffer.concat([
      bytes(12),
      tlv(0x01, Buffer.from('h2')),
      tlv(0x02, Buffer.from('example.com')),
      tlv(0x20, Buffer.concat([bytes(5), tlv(0x21, Buffer.from('TLSv1.3'))])),
      tlv(0x03, bytes(4)),
    ]),
  ),
  v2(0x21, 0x21, Buffer.concat([bytes(36), tlv(0x05, bytes(16)), tlv(0xea, bytes(20))])),
  v2(0x21, 0x31, bytes(216)),
  v2(0x20, 0x00, Buffer.alloc(0)),
];

const count = Number(values.count);
const tally = { more: 0, done: 0, invalid: 0 };
let slowest = 0;
const started = Date.now();
for (let i = 0; i < count; i++) {
  let data;
  if (random(5) === 0) data = bytes(random(400));
  else {
    data = Buffer.from(SEEDS[random(SEEDS.length)]);
    for (let m = random(5) + 1; m > 0; m--) {
      const at = random(Math.max(1, data.length));
      const op = random(4);
      if (op === 0 && data.length > 0) data[at] = random(256);
      else if (op === 1) data = Buffer.concat([data.subarray(0, at), data.subarray(at + 1 + random(8))]);
      else if (op === 2) data = Buffer.concat([data.subarray(0, at), bytes(random(8)), data.subarray(at)]);
      else data = data.subarray(0, at); // truncated: a slow sender's first bytes
    }
  }
  const t = process.hrtime.bigint();
  let result;
  try {
    result = parseProxyHeader(data);
  } catch (error) {
    console.error(`finding: throws on ${data.toString('hex')}: ${error}`);
    process.exit(1);
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (ms > slowest) slowest = ms;
  const bad =
    (result.state === 'done' && result.length > data.length) ||
    (result.state === 'more' && !(result.need > data.length)) ||
    (result.state === 'invalid' && !result.reason) ||
    !(result.state in tally);
  if (bad) {
    console.error(`finding: ${JSON.stringify(result)} for ${data.toString('hex')}`);
    process.exit(1);
  }
  tally[result.state]++;
}
const seconds = (Date.now() - started) / 1000;
console.log(JSON.stringify({ headers: count, seconds, perSecond: Math.round(count / seconds), slowestMs: slowest, ...tally, findings: 0 }));
