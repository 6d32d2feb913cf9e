#!/usr/bin/env bash
# Makes a SoftHSM2 token for the tests, shaped like a signer's USB token from the
# national CA: a certificate chain root CA -> subordinate CA -> the person
# (keyUsage digitalSignature + nonRepudiation), the person's key and certificate
# on the token under id 0a1b, the subordinate CA's certificate beside them.
#   bash make-token.sh DIR LABEL PIN [SUBJECT]
# Writes DIR/softhsm2.conf (export SOFTHSM2_CONF=DIR/softhsm2.conf to use the token)
# and DIR/root.pem, DIR/sub.pem, DIR/leaf.pem; the person's key is on the token only.
# Certificates are valid from now for ten years. Exits non-zero, saying why, on failure.
set -euo pipefail
dir=$1 label=$2 pin=$3
subject=${4:-"/C=VN/O=Sở Ngoại vụ tỉnh Lạng Sơn/title=Phó Giám đốc/CN=Nông Đức Toàn"}
module=/usr/lib/softhsm/libsofthsm2.so
for tool in softhsm2-util pkcs11-tool openssl; do
  command -v "$tool" >/dev/null || { echo "make-token: $tool is required (bash scripts/setup.sh installs it)" >&2; exit 2; }
done
[[ -f $module ]] || { echo "make-token: $module is required (softhsm2; bash scripts/setup.sh)" >&2; exit 2; }
mkdir -p "$dir/tokens"
cd "$dir"
export SOFTHSM2_CONF="$PWD/softhsm2.conf"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$PWD/tokens" >"$SOFTHSM2_CONF"
quiet() { "$@" >.tool.log 2>&1 || { echo "make-token: $* failed:" >&2; cat .tool.log >&2; exit 1; }; }
quiet softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin 13579246
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days 3650 -utf8 \
  -subj "/C=VN/O=Test National CA/CN=Test Root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
quiet openssl req -newkey rsa:2048 -nodes -keyout sub.key -out sub.csr -utf8 -subj "/C=VN/O=Test National CA/CN=Test Sub CA"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >sub.ext
quiet openssl x509 -req -in sub.csr -CA root.pem -CAkey root.key -CAcreateserial -out sub.pem -days 3650 -extfile sub.ext
quiet openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -utf8 -subj "$subject"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n' >leaf.ext
quiet openssl x509 -req -in leaf.csr -CA sub.pem -CAkey sub.key -CAcreateserial -out leaf.pem -days 3650 -extfile leaf.ext
quiet openssl pkcs8 -topk8 -nocrypt -in leaf.key -out leaf.p8
quiet openssl x509 -in leaf.pem -outform DER -out leaf.der
quiet openssl x509 -in sub.pem -outform DER -out sub.der
quiet softhsm2-util --import leaf.p8 --token "$label" --label signer --id 0a1b --pin "$pin"
p11() { quiet pkcs11-tool --module "$module" --token-label "$label" --login --pin "$pin" "$@"; }
p11 --write-object leaf.der --type cert --id 0a1b --label signer
p11 --write-object sub.der --type cert --id 5c --label "Test Sub CA"
rm -f leaf.key leaf.p8 leaf.csr sub.csr leaf.der sub.der .tool.log
