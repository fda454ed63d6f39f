// What a receive returns, as the Datagrams users get: the sender described
// once per run of one sender, and a batch cut into views of its one Buffer.
import { describeEndpoint, type AddressInfo, type UnixAddressInfo } from '../net/address.js';
import type { native, NativeEndpoint } from '../binding/native.js';

export interface Datagram {
  data: Buffer;
  /** The sender: `{ family, address, port }`, or `{ family: 'unix', path }` ('' for an unbound sender). */
  from: AddressInfo | UnixAddressInfo | null;
  /** The datagram was longer than the buffer: `data` holds its start, `size` its real length. */
  truncated: boolean;
  size: number;
}

type Received = { data: Buffer; from: NativeEndpoint | null; length: number };

/**
 * Native endpoint -> sender info, remembering the last one: a batch from one
 * sender shares one endpoint object. `unnamed` stands for a sender the kernel
 * gives no address for (an unbound unix sender: some kernels report only the
 * family, some nothing).
 */
export function senderInfo(unnamed: UnixAddressInfo | null): (from: NativeEndpoint | null) => AddressInfo | UnixAddressInfo | null {
  let last: NativeEndpoint | null | undefined;
  let info: AddressInfo | UnixAddressInfo | null = null;
  return (from) => {
    if (from !== last) {
      last = from;
      info = from === null ? unnamed : describeEndpoint(from).info;
    }
    return info;
  };
}

export function toDatagram(msg: Received, sender: ReturnType<typeof senderInfo>): Datagram {
  return { data: msg.data, from: sender(msg.from), truncated: msg.length > msg.data.length, size: msg.length };
}

/** The datagrams of one recvBatch: views of its one Buffer (each kept up to maxLength). */
export function datagramsOf(
  got: ReturnType<typeof native.recvBatch>,
  maxLength: number,
  sender: ReturnType<typeof senderInfo>,
): Datagram[] {
  const { data, sizes, from } = got;
  const out = new Array<Datagram>(sizes.length);
  let offset = 0;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i]!;
    const kept = size < maxLength ? size : maxLength;
    out[i] = { data: data.subarray(offset, offset + kept), from: sender(from[i]!), truncated: size > maxLength, size };
    offset += kept;
  }
  return out;
}
