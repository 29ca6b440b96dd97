#!/bin/sh
# Makes the transport tests' certificates in directory $1 (created), valid two days:
#   root.pem            CA that clients trust
#   int.pem             intermediate CA under root, signs the servers
#   one.pem one.key     server "one" for 127.0.0.1/localhost, chain: leaf + int.pem
#   two.pem two.key     server "two", same shape
#   clientca.pem        CA for client certificates;  client.pem client.key  signed by it
#   otherca.pem         another CA (for comma-separated lists)
#   rogueca.pem         an untrusted CA;  rogue.pem rogue.key  signed by it
set -eu
d=$1
mkdir -p "$d"
cd "$d"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ca() {  # name subject [issuer]
    key "$1.key"
    if [ $# -eq 2 ]; then
        openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 2 -out "$1.pem" \
            -addext basicConstraints=critical,CA:true -addext keyUsage=keyCertSign,cRLSign
    else
        openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
        printf 'basicConstraints=critical,CA:true\nkeyUsage=keyCertSign,cRLSign\n' > "$1.ext"
        openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
            -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    fi
}
leaf() {  # name subject issuer ext
    key "$1.key"
    openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
    printf '%s\n' "$4" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days 2 \
        -extfile "$1.ext" -out "$1.leaf" 2>/dev/null
}
server_ext='subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth'
client_ext='extendedKeyUsage=clientAuth'
ca root test-root
ca int test-intermediate root
for s in one two; do
    leaf "$s" "$s" int "$server_ext"
    cat "$s.leaf" int.pem > "$s.pem"
done
ca clientca test-client-ca
ca otherca test-other-ca
ca rogueca test-rogue-ca
leaf client test-client clientca "$client_ext"; mv client.leaf client.pem
leaf rogue test-rogue rogueca "$client_ext"; mv rogue.leaf rogue.pem
rm -f ./*.csr ./*.ext ./*.srl
