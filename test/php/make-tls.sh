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
#   DIR/other-key.pem      an unrelated RSA 2048 key (a key that does not match cert.pem)
#   DIR/ca.pem             a CA certificate (CN=sss test CA), with ca-key.pem
#   DIR/client.pem         a client certificate (CN=client) issued by ca.pem, with client-key.pem
#   DIR/sni.pem            a certificate for sni.test issued by ca.pem, with sni-key.pem;
#                          sni-combined.pem holds both
#   DIR/capath/            ca.pem under its OpenSSL subject hash name (HASH.0)
#   DIR/client-chain.pem   client.pem followed by ca.pem (a client that sends its chain)
#   DIR/deep-client.pem    a client certificate (CN=deep client) issued by an intermediate CA
#                          (CN=sss intermediate CA) that ca.pem issued, followed by that
#                          intermediate; its key in deep-client-key.pem
#   DIR/weak-cert.pem      a self-signed RSA 1024 certificate (CN=localhost), with weak-key.pem:
#                          too small for security level 2
#   DIR/client-dup-chain.pem  client.pem twice, then ca.pem (a client that sends a duplicate)
#   DIR/dh.pem             Diffie-Hellman parameters, ffdhe2048 ("BEGIN DH PARAMETERS")
#   DIR/dh1024.pem         1024-bit X9.42 DH parameters: too small for security level 2
#   DIR/dh2048-x942.pem    2048-bit X9.42 DH parameters
#   DIR/dh-after-unknown.pem  a "FOO PARAMETERS" block (OpenSSL skips it), then dh.pem
#   DIR/dh-garbage.pem     a "DH PARAMETERS" block that does not decode
#   DIR/ec-params.pem      EC parameters (prime256v1); ec-garbage.pem: an EC block that does not decode
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

FILES="cert.pem key.pem combined.pem key-encrypted.pem other-key.pem ca.pem ca-key.pem client.pem client-key.pem sni.pem sni-key.pem sni-combined.pem
       client-chain.pem client-dup-chain.pem deep-client.pem deep-client-key.pem weak-cert.pem weak-key.pem
       dh.pem dh1024.pem dh2048-x942.pem dh-after-unknown.pem dh-garbage.pem ec-params.pem ec-garbage.pem"

# Is the existing set complete, consistent and valid for another day?
complete() {
    for f in $FILES; do
        [ -s "$dir/$f" ] || return 1
    done
    openssl verify -CAfile "$dir/ca.pem" "$dir/client.pem" "$dir/sni.pem" >/dev/null 2>&1 || return 1
    openssl verify -CAfile "$dir/ca.pem" -untrusted "$dir/deep-client.pem" "$dir/deep-client.pem" >/dev/null 2>&1 || return 1
    [ -n "$(ls "$dir/capath" 2>/dev/null)" ] || return 1
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
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/other-key.pem" >"$log" 2>&1 \
    || fail "cannot create the other key"

# A small CA, a client certificate and an SNI certificate it issued.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=sss test CA" \
    -keyout "$work/ca-key.pem" -out "$work/ca.pem" >"$log" 2>&1 || fail "cannot create the CA"
issue() { # issue NAME SUBJECT [EXTENSION] — issued by $ISSUER (default: ca)
    openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$work/$1-key.pem" -out "$work/$1.csr" >"$log" 2>&1 \
        || fail "cannot create the $1 request"
    if [ $# -eq 3 ]; then
        printf '%s\n' "$3" >"$work/$1.ext"
    else
        : >"$work/$1.ext"
    fi
    by=${ISSUER:-ca}
    openssl x509 -req -sha256 -days 30 -in "$work/$1.csr" -CA "$work/$by.pem" -CAkey "$work/$by-key.pem" \
        -CAcreateserial -extfile "$work/$1.ext" -out "$work/$1.pem" >"$log" 2>&1 || fail "cannot issue $1.pem"
}
issue client "/CN=client"
issue sni "/CN=sni.test" "subjectAltName=DNS:sni.test"
issue intermediate "/CN=sss intermediate CA" "basicConstraints=critical,CA:TRUE"
ISSUER=intermediate issue deep "/CN=deep client"
cat "$work/deep.pem" "$work/intermediate.pem" >"$work/deep-client.pem"
mv -f -- "$work/deep-key.pem" "$work/deep-client-key.pem"
cat "$work/sni.pem" "$work/sni-key.pem" >"$work/sni-combined.pem"
cat "$work/client.pem" "$work/ca.pem" >"$work/client-chain.pem"
cat "$work/client.pem" "$work/client.pem" "$work/ca.pem" >"$work/client-dup-chain.pem"

# Too weak for security level 2: a 1024-bit key and 1024-bit DH parameters; and good ones.
openssl req -x509 -newkey rsa:1024 -nodes -sha256 -days 30 -subj "/CN=localhost" \
    -keyout "$work/weak-key.pem" -out "$work/weak-cert.pem" >"$log" 2>&1 || fail "cannot create the weak certificate"
openssl genpkey -genparam -algorithm DH -pkeyopt dh_param:ffdhe2048 -out "$work/dh.pem" >"$log" 2>&1 \
    || fail "cannot write the DH parameters"
openssl dhparam -dsaparam -out "$work/dh1024.pem" 1024 >"$log" 2>&1 || fail "cannot create the 1024-bit DH parameters"
openssl dhparam -dsaparam -out "$work/dh2048-x942.pem" 2048 >"$log" 2>&1 || fail "cannot create the 2048-bit DH parameters"
openssl ecparam -name prime256v1 -out "$work/ec-params.pem" >"$log" 2>&1 || fail "cannot write the EC parameters"
{ printf -- '-----BEGIN FOO PARAMETERS-----\nAAAA\n-----END FOO PARAMETERS-----\n'; cat "$work/dh.pem"; } >"$work/dh-after-unknown.pem"
printf -- '-----BEGIN DH PARAMETERS-----\nAAAA\n-----END DH PARAMETERS-----\n' >"$work/dh-garbage.pem"
printf -- '-----BEGIN EC PARAMETERS-----\nAAAA\n-----END EC PARAMETERS-----\n' >"$work/ec-garbage.pem"

# Private keys among them: for the owner alone (the harness copies the set for a
# case run as another user).
for f in $FILES; do
    chmod 0600 "$work/$f"
    mv -f -- "$work/$f" "$dir/$f"
done
rm -rf -- "$dir/capath"
mkdir -p -- "$dir/capath"
cp -- "$dir/ca.pem" "$dir/capath/$(openssl x509 -in "$dir/ca.pem" -noout -hash).0"
chmod 0700 "$dir/capath"
chmod 0600 "$dir/capath/"*
complete || fail "the new set does not verify"
