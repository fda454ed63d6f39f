#!/bin/sh
# Creates the {tls} fixture directory of the differential runner (see PROTOCOL.md):
#
#   make-tls.sh DIR
#
#   DIR/cert.pem           self-signed RSA 2048 certificate, CN=localhost,
#                          subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1, valid 30 days
#   DIR/key.pem            its private key, unencrypted (PKCS#8, "BEGIN PRIVATE KEY")
#   DIR/combined.pem       cert.pem followed by key.pem
#   DIR/key-encrypted.pem  the same key, encrypted PKCS#8 (AES-256-CBC), passphrase "secret"
#
# DIR/missing-key.pem never exists (removed if present). Idempotent: a complete, matching
# set valid for at least one more day is left alone; otherwise the set is made afresh and
# moved into place. Quiet on success; on failure prints openssl's diagnostics on stderr and
# exits non-zero.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: make-tls.sh DIR" >&2
    exit 2
fi
dir=$1
command -v openssl >/dev/null 2>&1 || { echo "make-tls.sh: openssl not found" >&2; exit 1; }
mkdir -p -- "$dir"
rm -f -- "$dir/missing-key.pem"

# Is the existing set complete, consistent and valid for another day?
complete() {
    for f in cert.pem key.pem combined.pem key-encrypted.pem; do
        [ -s "$dir/$f" ] || return 1
    done
    openssl x509 -in "$dir/cert.pem" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    c=$(openssl x509 -in "$dir/cert.pem" -noout -pubkey 2>/dev/null) || return 1
    k=$(openssl pkey -in "$dir/key.pem" -pubout 2>/dev/null) || return 1
    e=$(openssl pkey -in "$dir/key-encrypted.pem" -passin pass:secret -pubout 2>/dev/null) || return 1
    b=$(openssl pkey -in "$dir/combined.pem" -pubout 2>/dev/null) || return 1
    [ "$c" = "$k" ] && [ "$k" = "$e" ] && [ "$k" = "$b" ]
}
if complete; then
    exit 0
fi

work=$(mktemp -d "$dir/.make-tls.XXXXXX")
log="$work/log"
trap 'rm -rf -- "$work"' EXIT
fail() {
    echo "make-tls.sh: $1" >&2
    [ -s "$log" ] && cat "$log" >&2
    exit 1
}

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 \
    -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -keyout "$work/key.pem" -out "$work/cert.pem" >"$log" 2>&1 \
    || fail "cannot create the certificate"
# Normalise the key to unencrypted PKCS#8 whatever the openssl version wrote.
openssl pkey -in "$work/key.pem" -out "$work/key8.pem" >"$log" 2>&1 \
    || fail "cannot convert the key"
mv -f -- "$work/key8.pem" "$work/key.pem"
openssl pkey -in "$work/key.pem" -aes256 -passout pass:secret -out "$work/key-encrypted.pem" >"$log" 2>&1 \
    || fail "cannot encrypt the key"
cat "$work/cert.pem" "$work/key.pem" >"$work/combined.pem"
chmod 0644 "$work/cert.pem" "$work/key.pem" "$work/combined.pem" "$work/key-encrypted.pem"
# Readable by any user the harness may run a runner as (fixtures, not secrets).

for f in cert.pem key.pem combined.pem key-encrypted.pem; do
    mv -f -- "$work/$f" "$dir/$f"
done
complete || fail "the new set does not verify"
