# Base images from Debian trixie rootfs tarballs (mmdebstrap + docker import; never pulled).
# Tarballs are cached in $CACHE_DIR so a warm up after down re-imports instead of re-bootstrapping.
IMAGES_SRC="$LAB_ROOT/images"
PY_IMAGE=ktrdr-lab/python:3.13
PG_IMAGE=ktrdr-lab/postgres:17-timescaledb
PY_PKGS=python3,python3-venv,python3-pip,python3-psycopg,ca-certificates,curl
PG_PKGS=postgresql-17,postgresql-17-timescaledb,zstd,ca-certificates
PROM_PKGS=prometheus,ca-certificates
TRIXIE_APT=(-o "Dir::Etc::SourceList=$CACHE_DIR/trixie.sources" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$CACHE_DIR/trixie-lists" -o "Dir::Cache=$CACHE_DIR/apt-cache")

# trixie_version PKG: the candidate version in Debian trixie ("" when the package does not exist).
trixie_version() {
  if [[ ! -d $CACHE_DIR/trixie-lists/partial ]]; then
    printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: %s\n' \
      "$DEBIAN_URI" /usr/share/keyrings/debian-archive-keyring.gpg >"$CACHE_DIR/trixie.sources"
    mkdir -p "$CACHE_DIR/trixie-lists/partial" "$CACHE_DIR/apt-cache/archives/partial"
    apt-get "${TRIXIE_APT[@]}" update -qq >&2
  fi
  apt-cache "${TRIXIE_APT[@]}" show --no-all-versions "$1" 2>/dev/null | awk '/^Version:/{print $2; exit}'
}

# prometheus_tag: upstream part of trixie's prometheus version (cached), "" if unavailable.
prometheus_tag() {
  local f="$CACHE_DIR/prometheus.version" v
  if [[ ! -e $f ]]; then
    v=$(trixie_version prometheus)
    v=${v#*:}
    echo "${v%%[+~-]*}" >"$f"
  fi
  cat "$f"
}

# rootfs_build NAME PKGS: bootstrap $CACHE_DIR/NAME.tar unless cached (log in $CACHE_DIR/NAME.log).
rootfs_build() {
  local tar="$CACHE_DIR/$1.tar"
  [[ -s $tar ]] && return 0
  mmdebstrap --variant=apt --include="$2" --format=tar \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    trixie "$tar.tmp" "$DEBIAN_URI" >"$CACHE_DIR/$1.log" 2>&1 || {
    tail -n 20 "$CACHE_DIR/$1.log" >&2
    rm -f "$tar.tmp"
    return 1
  }
  mv "$tar.tmp" "$tar"
}

# rootfs_import NAME IMAGE [CMD-json]: docker import the cached tarball unless the image exists.
rootfs_import() {
  image_present "$2" && return 0
  log "images: importing $CACHE_DIR/$1.tar as $2"
  docker import --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "CMD ${3:-[\"bash\"]}" "$CACHE_DIR/$1.tar" "$2" >/dev/null
}

# src_hash DIR: hash of an image's sources, stored as a label so edits trigger a rebuild.
src_hash() { (cd "$IMAGES_SRC/$1" && sha256sum ./* | sha256sum | cut -c1-16); }

built_current() { # built_current DIR TAG
  [[ $(docker image inspect -f '{{index .Config.Labels "ktrdr.lab.src"}}' "$2" 2>/dev/null) == "$(src_hash "$1")" ]]
}

image_build() { # image_build DIR TAG (legacy builder: Debian's docker.io ships no buildx)
  log "images: building $2"
  local out
  out=$(DOCKER_BUILDKIT=0 docker build -q --label "ktrdr.lab.src=$(src_hash "$1")" -t "$2" "$IMAGES_SRC/$1" 2>&1) ||
    { echo "$out" >&2; die "docker build of $2 failed"; }
}

images_up() {
  install -d -m 0755 "$CACHE_DIR"
  local prom pids=() names=() i
  prom=$(prometheus_tag)
  # Bootstrap every missing tarball in parallel (each ~30 s, mostly download and dpkg).
  if ! image_present "$PY_IMAGE" && [[ ! -s $CACHE_DIR/python.tar ]]; then names+=(python); fi
  if ! built_current postgres "$PG_IMAGE" && ! image_present ktrdr-lab/rootfs-postgres:trixie &&
    [[ ! -s $CACHE_DIR/postgres.tar ]]; then names+=(postgres); fi
  if [[ -n $prom ]] && ! built_current prometheus "ktrdr-lab/prometheus:$prom" &&
    ! image_present ktrdr-lab/rootfs-prometheus:trixie && [[ ! -s $CACHE_DIR/prometheus.tar ]]; then
    names+=(prometheus)
  fi
  for i in "${names[@]}"; do
    log "images: mmdebstrap trixie rootfs '$i' (log $CACHE_DIR/$i.log)"
    case $i in
      python) rootfs_build python "$PY_PKGS" & ;;
      postgres) rootfs_build postgres "$PG_PKGS" & ;;
      prometheus) rootfs_build prometheus "$PROM_PKGS" & ;;
    esac
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || die "mmdebstrap failed (logs in $CACHE_DIR)"; done

  image_present "$PY_IMAGE" || rootfs_import python "$PY_IMAGE" '["python3"]'
  if ! built_current postgres "$PG_IMAGE"; then
    rootfs_import postgres ktrdr-lab/rootfs-postgres:trixie
    image_build postgres "$PG_IMAGE"
  fi
  if [[ -n $prom ]] && ! built_current prometheus "ktrdr-lab/prometheus:$prom"; then
    rootfs_import prometheus ktrdr-lab/rootfs-prometheus:trixie
    image_build prometheus "ktrdr-lab/prometheus:$prom"
  fi
}

images_status() {
  local img rc=0 prom
  prom=$(cat "$CACHE_DIR/prometheus.version" 2>/dev/null || true)
  for img in "$PY_IMAGE" "$PG_IMAGE" ${prom:+"ktrdr-lab/prometheus:$prom"}; do
    if image_present "$img"; then echo "image $img: present"; else echo "image $img: absent"; rc=1; fi
  done
  [[ -n $prom ]] || echo "image ktrdr-lab/prometheus: skipped (no prometheus package in trixie)"
  return $rc
}
