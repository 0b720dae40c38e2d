#!/usr/bin/env bash
# Test certificates for the TLS and mutual-TLS tests (valid for 100 years; never use them anywhere else).
# Regenerate with: bash tests/certs/make-certs.sh  (needs openssl)
set -euo pipefail
cd "$(dirname "$0")"
days=36500
gen_ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days $days -subj "/CN=$2" 2>/dev/null; }
gen_cert() {  # name, CN, ca, extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days $days -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
gen_ca ca "Trivsel test CA"
gen_ca rogue-ca "Someone else's CA"
gen_cert server localhost ca "subjectAltName=DNS:localhost,IP:127.0.0.1"
gen_cert admin trivsel-admin ca "extendedKeyUsage=clientAuth"
gen_cert client hr-platform ca "extendedKeyUsage=clientAuth"
gen_cert rogue trivsel-admin rogue-ca "extendedKeyUsage=clientAuth"
rm -f ./*.srl ca.key rogue-ca.key
