// The facade's deliberate differences from PHP 8.2, in one place (the
// README's table says the same). Each turns PHP's observation into what the
// facade must show instead, and checks that the facade's value is a real one.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Observation } from './harness.js';

export const DELIBERATE_DIFFERENCES = [
  'errno: the real errno of the failing syscall (PHP 8.2 always reports 0)',
  'errstr: where PHP says "" or "Success" for a system failure, the real strerror() text (and the warning quotes it)',
  'TLS: a client certificate the server does not trust is refused right after the handshake (close_notify), not by an alert inside it (node:tls cannot fail a handshake from its certificate check): the client reads end of stream where PHP\'s client reads "tlsv1 alert unknown ca"',
] as const;

interface Failure {
  ok: boolean;
  errno: number;
  errstr: string;
  warnings: string[];
}

const SYSTEM_TEXT = /^[A-Z][A-Za-z ,'-]+$/;

/**
 * Applies both differences to one failed call (the main call, or a
 * second-server probe). `recordedErrno` is the errno of the failing syscall
 * that the recording of PHP's run captured, when there is one.
 */
function applyToFailure(php: Failure, facade: Failure, recordedErrno?: number): Failure {
  if (php.ok !== false || facade.ok !== false) return php;
  const expected = { ...php };
  const osFailure = php.errstr === '' || php.errstr === 'Success';
  if (osFailure) {
    expect(facade.errstr, 'errstr must be a real strerror text').toMatch(SYSTEM_TEXT);
    expect(facade.errstr).not.toBe('Success');
    expected.errstr = facade.errstr;
    expected.warnings = php.warnings.map((w) => w.replace(/\((Unknown error|Success)\)$/, `(${facade.errstr})`));
  }
  // getaddrinfo's EAI_SYSTEM carries an errno only when glibc leaves one (it
  // may be 0): the facade passes on what the resolver gave.
  if (php.errstr.startsWith('php_network_getaddresses') && php.errstr.endsWith('System error')) {
    expect(facade.errno).toBeGreaterThanOrEqual(0);
    return { ...expected, errno: facade.errno };
  }
  // Parse errors have no syscall: errno stays 0. A system failure has its errno.
  const systemFailure = osFailure || /^Failed to create|^[A-Z][a-z]+( [a-z]+)*$/.test(php.errstr);
  if (
    systemFailure &&
    !php.errstr.startsWith('Unable to find') &&
    !php.errstr.startsWith('Failed to parse') &&
    !php.errstr.startsWith('The hostname')
  ) {
    expect(facade.errno, 'errno must be the real errno').toBeGreaterThan(0);
    if (recordedErrno !== undefined) expect(facade.errno).toBe(recordedErrno);
    expected.errno = facade.errno;
  }
  return expected;
}

const REFUSED_CERTIFICATE = /::certificate verify failed$/;

/**
 * The third difference, on a tls probe: where PHP's server refused the
 * client's certificate, the server side must match exactly and the client
 * must see a clean end of stream instead of the alert.
 */
function applyToTlsProbe(php: Observation, facade: Observation): Observation {
  const server = php.server as { accept_warnings?: string[] } | undefined;
  const client = php.client as { io_warnings?: string[] } | undefined;
  if (
    !server?.accept_warnings?.some((w) => REFUSED_CERTIFICATE.test(w)) ||
    !client?.io_warnings?.some((w) => w.endsWith('alert unknown ca'))
  )
    return php;
  const facadeClient = facade.client as { read?: unknown; io_warnings?: unknown };
  expect(facadeClient.read, 'the refused client reads end of stream').toBe('');
  expect(facadeClient.io_warnings).toEqual([]);
  return { ...php, client: { ...client, read: '', io_warnings: [] } };
}

/**
 * Not differences of the facade but of the OpenSSL build under it: Node 24+
 * bundles OpenSSL 3.5, PHP uses the system's 3.0. Applied only when the two
 * minor versions differ; each pair swaps PHP's text for the other build's.
 */
export const OPENSSL_BUILD_VARIANTS = [
  {
    why: 'OpenSSL 3.2+ drops TLS 1.0/1.1 altogether at security level 1 (the server: "no protocols available", the client gets a protocol_version alert); 3.0 offers them and then finds no signature algorithm',
    when: 'error:0A000076:SSL routines::no suitable signature algorithm',
    swap: [
      ['error:0A000076:SSL routines::no suitable signature algorithm', 'error:0A0000BF:SSL routines::no protocols available'],
      ['error:0A000438:SSL routines::tlsv1 alert internal error', 'error:0A00042E:SSL routines::tlsv1 alert protocol version'],
    ],
  },
] as const;

const minorOf = (version: string | undefined) => /(\d+\.\d+)/.exec(version ?? '')?.[1];
const phpOpenSsl = minorOf(spawnSync('php', ['-r', 'echo OPENSSL_VERSION_TEXT;'], { encoding: 'utf8' }).stdout);
const sameOpenSsl = phpOpenSsl === undefined || phpOpenSsl === minorOf(process.versions.openssl);

function applyBuildVariants(php: Observation): Observation {
  if (sameOpenSsl) return php;
  let text = JSON.stringify(php);
  for (const variant of OPENSSL_BUILD_VARIANTS) {
    if (!text.includes(variant.when)) continue;
    for (const [from, to] of variant.swap) text = text.replaceAll(from, to);
  }
  return JSON.parse(text) as Observation;
}

/** What the facade must show for this case, given PHP's observation. */
export function expectedFacade(observed: Observation, facade: Observation, recorded?: Observation): Observation {
  const php = applyBuildVariants(observed);
  const sys = recorded?.sys as { errno?: number } | undefined;
  const expected: Observation = { ...php, ...applyToFailure(php as unknown as Failure, facade as unknown as Failure, sys?.errno) };
  if (Array.isArray(php.probes) && Array.isArray(facade.probes)) {
    expected.probes = (php.probes as Observation[]).map((probe, i) => {
      const other = (facade.probes as Observation[])[i]!;
      if (probe.probe === 'tls') return applyToTlsProbe(probe, other);
      return probe.probe === 'second-server'
        ? { ...probe, ...applyToFailure(probe as unknown as Failure, other as unknown as Failure) }
        : probe;
    });
  }
  return expected;
}

/** The fields the differential suite compares. */
export function comparable(o: Observation): Observation {
  const pick = (x: Observation | undefined, keys: string[]) =>
    x === undefined ? undefined : Object.fromEntries(keys.filter((k) => k in x).map((k) => [k, x[k]]));
  return {
    ok: o.ok,
    errno: o.errno,
    errstr: o.errstr,
    warnings: o.warnings,
    transports: o.transports,
    constants: o.constants,
    server: pick(o.server as Observation | undefined, ['name', 'meta', 'backlog']),
    file: pick(o.file as Observation | undefined, ['exists', 'type', 'perms']),
    probes: (o.probes as Observation[] | undefined)?.filter((p) => !p.skipped),
  };
}
