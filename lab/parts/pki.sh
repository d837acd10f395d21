# The lab CA and its certificates (made once per lab dir). The registry and its token service serve TLS with
# a certificate for registry.<zone>; engines trust the CA through /etc/docker/certs.d/<registry>/ca.crt, the
# workstation's node through NODE_EXTRA_CA_CERTS. The token service signs its JWTs with a key of its own whose
# self-signed certificate is the registry's rootcertbundle (distribution checks the token's x5c chain against it).
PKI_DIR="$LAB_DIR/pki"
CA_CRT="$PKI_DIR/ca.crt"

pki_up() {
  [[ -s $PKI_DIR/registry.crt && -s $PKI_DIR/token-signer.crt ]] && return 0
  log "pki: lab CA and certificates for $REGISTRY_NAME ($PKI_DIR)"
  install -d -m 0700 "$PKI_DIR"
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$PKI_DIR/ca.key" -out "$CA_CRT" -days 3650 \
    -subj "/CN=ktrdr lab CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
  openssl req "${ec[@]}" -keyout "$PKI_DIR/registry.key" -out "$PKI_DIR/registry.csr" \
    -subj "/CN=$REGISTRY_NAME" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$REGISTRY_NAME" \
    >"$PKI_DIR/registry.ext"
  openssl x509 -req -in "$PKI_DIR/registry.csr" -CA "$CA_CRT" -CAkey "$PKI_DIR/ca.key" -CAcreateserial -days 825 \
    -extfile "$PKI_DIR/registry.ext" -out "$PKI_DIR/registry.crt" 2>/dev/null
  openssl req -x509 "${ec[@]}" -keyout "$PKI_DIR/token-signer.key" -out "$PKI_DIR/token-signer.crt" -days 825 \
    -subj "/CN=ktrdr lab token signer" 2>/dev/null
  chmod 0644 "$CA_CRT"
}

# trust_ca DIR: the lab CA where the engine of DIR (its /etc/docker) looks for the registry's CA.
trust_ca() {
  install -d -m 0755 "$1/etc-docker/certs.d/$REGISTRY_NAME"
  install -m 0644 "$CA_CRT" "$1/etc-docker/certs.d/$REGISTRY_NAME/ca.crt"
}
