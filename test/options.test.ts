import { describe, expect, it } from 'vitest';
import { planDatagram, planServer } from '../lib/options/options.js';

describe('planServer', () => {
  it('defaults: backlog 511, listen, SO_REUSEADDR on', () => {
    expect(planServer(undefined, 4)).toEqual({
      backlog: 511,
      listen: true,
      beforeBind: [{ option: 'reuseAddr', level: 'SOL_SOCKET', name: 'SO_REUSEADDR', value: 1, phase: 'beforeBind' }],
      file: undefined,
      cpuSteering: false,
      acceptErrors: 'pause',
      acceptPauseMs: 100,
      allowHalfOpen: false,
    });
  });

  it('backlog 0 means 0 (node:net would turn it into 511)', () => {
    expect(planServer({ backlog: 0 }, 4).backlog).toBe(0);
    expect(planServer({ backlog: 2 ** 31 - 1 }, 4).backlog).toBe(2 ** 31 - 1);
  });

  it('orders the options before bind and applies ipv6Only to IPv6 only', () => {
    const plan = planServer({ reuseAddr: false, reusePort: true, ipv6Only: true, listen: false }, 6);
    expect(plan.listen).toBe(false);
    expect(plan.beforeBind.map((o) => [o.name, o.value])).toEqual([
      ['SO_REUSEPORT', 1],
      ['IPV6_V6ONLY', 1],
    ]);
    expect(planServer({ ipv6Only: true }, 4).beforeBind.map((o) => o.name)).toEqual(['SO_REUSEADDR']);
  });

  it('datagram plans: SO_REUSEADDR off by default, broadcast and buffers on request', () => {
    expect(planDatagram(undefined, 4).beforeBind).toEqual([]);
    expect(planDatagram({ broadcast: true, recvBufferSize: 1 << 20 }, 4).beforeBind.map((o) => [o.name, o.value])).toEqual([
      ['SO_BROADCAST', 1],
      ['SO_RCVBUF', 1 << 20],
    ]);
    expect(() => planDatagram({ backlog: 5 }, 4)).toThrow(/Unknown option "backlog"/);
  });

  it('unix plans: mode and removeStale; IP-only options are refused', () => {
    expect(planServer({ mode: 0o660, removeStale: true }, 'unix').file).toEqual({ mode: 0o660, removeStale: true, removeOnClose: true });
    expect(() => planServer({ reusePort: true }, 'unix')).toThrow(/does not apply to unix sockets/);
    expect(() => planServer({ mode: 0o660 }, 4)).toThrow(/does not apply to tcp sockets/);
    expect(() => planServer({ mode: 0o1777 }, 'unix')).toThrow(RangeError);
  });

  it.each([
    [{ backlog: -1 }, RangeError, /0..2147483647/],
    [{ backlog: 1.5 }, RangeError, /integer/],
    [{ backlog: 2 ** 31 }, RangeError, /integer/],
    [{ backlog: NaN }, RangeError, /integer/],
    [{ backlog: '12' }, TypeError, /must be a number/],
    [{ reusePort: 1 }, TypeError, /reusePort must be a boolean/],
    [{ listen: 'no' }, TypeError, /listen must be a boolean/],
    [{ reuseaddr: true }, TypeError, /Unknown option "reuseaddr"/],
    [null, TypeError, /options must be an object/],
    [[], TypeError, /options must be an object/],
  ])('%j is rejected', (options, type, message) => {
    expect(() => planServer(options, 4)).toThrow(type);
    expect(() => planServer(options, 4)).toThrow(message);
  });
});
