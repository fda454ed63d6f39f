import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../lib/index.js';

describe('selfSignedCertificate', () => {
  it('makes certificates OpenSSL parses and verifies, every time (random serials included)', () => {
    // Serial numbers are random: a non-minimal INTEGER (a leading zero byte) would make
    // OpenSSL refuse about one certificate in 256, so try enough of them.
    for (let i = 0; i < 600; i++) {
      const { cert, key } = selfSignedCertificate();
      const x509 = new X509Certificate(cert);
      expect(x509.verify(x509.publicKey)).toBe(true);
      expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    }
  });

  it('names and validity as asked', () => {
    const { cert } = selfSignedCertificate({ commonName: 'dev.test', altNames: ['dev.test', '10.0.0.1', 'fe80::1'], days: 2 });
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe('CN=dev.test');
    expect(x509.subjectAltName).toBe('DNS:dev.test, IP Address:10.0.0.1, IP Address:FE80:0:0:0:0:0:0:1');
    expect(x509.ca).toBe(true);
    const days = (Date.parse(x509.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(1.9);
    expect(days).toBeLessThan(2.1);
  });
});
