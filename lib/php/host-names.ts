// Host names against certificate names the way PHP's OpenSSL extension
// compares them (SNI_server_certs keys, peer_name against SAN and CN).
import { isIP } from 'node:net';
import type { X509Certificate } from 'node:crypto';

/**
 * Case-insensitive equality, or a wildcard in the left-most label only:
 * text before and after the `*` must match, and the `*` stands for
 * characters without a dot (`*.a.test` matches `b.a.test`, not `c.b.a.test`).
 */
export function matchesHostName(name: string, pattern: string): boolean {
  const host = name.toLowerCase();
  const cert = pattern.toLowerCase();
  if (host === cert) return true;
  const star = cert.indexOf('*');
  if (star < 0 || cert.slice(0, star).includes('.')) return false;
  const prefix = cert.slice(0, star);
  const suffix = cert.slice(star + 1);
  if (suffix.length > host.length - prefix.length || !host.startsWith(prefix) || !host.endsWith(suffix)) return false;
  return !host.slice(prefix.length, host.length - suffix.length).includes('.');
}

/** Why a peer certificate does not carry `peerName` (PHP's texts), or null when it does: SAN DNS and IP entries first, then the CN. */
export function peerNameMismatch(cert: X509Certificate, peerName: string): string | null {
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:') && matchesHostName(peerName, entry.slice(4))) return null;
    if (entry.startsWith('IP Address:') && isIP(peerName) !== 0 && entry.slice(11).toLowerCase() === peerName.toLowerCase()) return null;
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  if (cn === undefined) return 'Unable to locate peer certificate CN';
  if (matchesHostName(peerName, cn)) return null;
  return `Peer certificate CN=\`${cn}' did not match expected CN=\`${peerName}'`;
}
