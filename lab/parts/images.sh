# Images: Debian trixie rootfs tarballs (mmdebstrap, cached in $CACHE_DIR across ups) imported and built in
# the workstation's engine, then pushed to the lab registry under the names lab/config pins, as Docker Hub
# would serve the homelab's pins: hosts get every image they run by `docker pull`. The base image for the
# app builds (ktrdr-lab/python:3.13) stays in the workstation's engine, as a builder's would.
IMAGES_SRC="$LAB_ROOT/images"
PY_IMAGE=ktrdr-lab/python:3.13
PG_IMAGE=ktrdr-lab/postgres:17-timescaledb
PROBE_IMAGE=$REGISTRY_NAME/ktrdr-lab/probe:1
PY_PKGS=python3,python3-venv,python3-pip,python3-psycopg,ca-certificates,curl
PG_PKGS=postgresql-17,postgresql-17-timescaledb,pgbackrest,zstd,ca-certificates
PROM_PKGS=prometheus,ca-certificates
TRIXIE_APT=(-o "Dir::Etc::SourceList=$CACHE_DIR/trixie.sources" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$CACHE_DIR/trixie-lists" -o "Dir::Cache=$CACHE_DIR/apt-cache")

wsdocker() { docker -H "unix://$WS_DIR/docker.sock" "$@"; }
ws_image_present() { wsdocker image inspect "$1" >/dev/null 2>&1; }

# db_image: the name the core's db image has with pitr: (lib/compose/pgbackrest.ts, dbImage).
db_image() {
  local pin name
  pin=$(pinned db)
  name=$(config_value stack-config.yml images.db)
  echo "$(config_value stack-config.yml registry.url)/${name:-ktrdr-db}:${pin##*:}"
}

# pinned SERVICE: the image lab/config pins for a core service (what the hosts will pull).
pinned() { config_value stack-config.yml "core.services.$1.image"; }

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

# prometheus_version: upstream part of trixie's prometheus version (cached), "" if unavailable.
prometheus_version() {
  local f="$CACHE_DIR/prometheus.version" v
  if [[ ! -e $f ]]; then
    v=$(trixie_version prometheus)
    v=${v#*:}
    echo "${v%%[+~-]*}" >"$f"
  fi
  cat "$f"
}

# rootfs_build NAME PKGS: bootstrap $CACHE_DIR/NAME.tar unless cached for these very packages (the list is kept
# beside it in NAME.pkgs: a package added to the list rebuilds the tarball; log in $CACHE_DIR/NAME.log).
rootfs_build() {
  local tar="$CACHE_DIR/$1.tar"
  rootfs_cached "$1" "$2" && return 0
  mmdebstrap --variant=apt --include="$2" --format=tar \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    trixie "$tar.tmp" "$DEBIAN_URI" >"$CACHE_DIR/$1.log" 2>&1 || {
    tail -n 20 "$CACHE_DIR/$1.log" >&2
    rm -f "$tar.tmp"
    return 1
  }
  mv "$tar.tmp" "$tar"
  printf '%s\n' "$2" >"$CACHE_DIR/$1.pkgs"
}
rootfs_cached() { [[ -s $CACHE_DIR/$1.tar && $(cat "$CACHE_DIR/$1.pkgs" 2>/dev/null) == "$2" ]]; }

# rootfs_current IMAGE PKGS: IMAGE was imported from a tarball of these packages (its ktrdr.lab.pkgs label).
rootfs_current() {
  [[ $(wsdocker image inspect -f '{{index .Config.Labels "ktrdr.lab.pkgs"}}' "$1" 2>/dev/null) == "$2" ]]
}

# rootfs_import NAME IMAGE PKGS [CMD-json]: docker import the cached tarball unless the image is of these packages.
rootfs_import() {
  rootfs_current "$2" "$3" && return 0
  log "images: importing $CACHE_DIR/$1.tar as $2"
  wsdocker import --change 'ENV LANG=C.UTF-8' --change "LABEL ktrdr.lab.pkgs=$3" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "CMD ${4:-[\"bash\"]}" "$CACHE_DIR/$1.tar" "$2" >/dev/null
}

# src_hash DIR: hash of an image's sources and of the rootfs image it is built FROM, stored as a label so an
# edit or a new rootfs triggers a rebuild.
src_hash() {
  local from
  from=$(awk '$1 == "FROM" {print $2; exit}' "$IMAGES_SRC/$1/Dockerfile")
  { (cd "$IMAGES_SRC/$1" && sha256sum ./*) && wsdocker image inspect -f '{{.Id}}' "$from" 2>/dev/null; } |
    sha256sum | cut -c1-16
}

built_current() { # built_current DIR TAG
  [[ $(wsdocker image inspect -f '{{index .Config.Labels "ktrdr.lab.src"}}' "$2" 2>/dev/null) == "$(src_hash "$1")" ]]
}

image_build() { # image_build DIR TAG (legacy builder: Debian's docker.io ships no buildx)
  log "images: building $2"
  local out
  out=$(DOCKER_BUILDKIT=0 wsdocker build -q --label "ktrdr.lab.src=$(src_hash "$1")" -t "$2" "$IMAGES_SRC/$1" 2>&1) ||
    {
      echo "$out" >&2
      die "docker build of $2 failed"
    }
}

# probe_build: a one-file image (a few hundred bytes) that lab-status pulls on every host.
probe_build() {
  ws_image_present "$PROBE_IMAGE" && return 0
  local d
  d=$(mktemp -d)
  printf 'ktrdr lab probe\n' >"$d/probe"
  tar -C "$d" -cf "$d/probe.tar" probe
  wsdocker import --change 'CMD ["/probe"]' "$d/probe.tar" "$PROBE_IMAGE" >/dev/null
  rm -rf "$d"
}

# with_ws_login CMD...: run CMD against the workstation's engine logged in to the registry, in a throwaway
# DOCKER_CONFIG on tmpfs that is removed afterwards (docker login writes the password into config.json).
with_ws_login() {
  local cfg rc=0
  cfg=$(mktemp -d /dev/shm/ktrdr-lab-login.XXXXXX)
  local out
  out=$(vault_get registry password | DOCKER_CONFIG=$cfg wsdocker login -u "$(vault_get registry username)" \
    --password-stdin "$REGISTRY_NAME" 2>&1) || {
    rc=$?
    echo "$out" >&2
  }
  ((rc)) || DOCKER_CONFIG=$cfg "$@" || rc=$?
  rm -rf "$cfg"
  return $rc
}

# push_pinned LOCAL PIN: tag and push LOCAL as PIN unless the registry already holds that very image.
push_pinned() {
  local id
  id=$(wsdocker image inspect -f '{{.Id}}' "$1")
  [[ $(cat "$REG_DIR/pushed-$(printf '%s' "$2" | tr '/:' '__')" 2>/dev/null) == "$id" ]] && return 0
  log "images: pushing $1 as $2"
  wsdocker tag "$1" "$2"
  with_ws_login wsdocker push -q "$2" >/dev/null || die "push of $2 to the lab registry failed"
  echo "$id" >"$REG_DIR/pushed-$(printf '%s' "$2" | tr '/:' '__')"
}

images_up() {
  install -d -m 0755 "$CACHE_DIR"
  local prom pids=() names=() i pg_pin prom_pin
  prom=$(prometheus_version)
  pg_pin=$(pinned db)
  prom_pin=$(pinned prometheus)
  [[ -z $prom_pin || $prom_pin == *":v$prom" ]] ||
    die "lab/config pins $prom_pin, but Debian trixie's prometheus is $prom:" \
      "change the pin in lab/config/stack-config.yml"
  # Bootstrap every missing tarball in parallel (each ~30 s, mostly download and dpkg).
  rootfs_current "$PY_IMAGE" "$PY_PKGS" || rootfs_cached python "$PY_PKGS" || names+=(python)
  rootfs_current ktrdr-lab/rootfs-postgres:trixie "$PG_PKGS" || rootfs_cached postgres "$PG_PKGS" || names+=(postgres)
  if [[ -n $prom_pin ]]; then
    rootfs_current ktrdr-lab/rootfs-prometheus:trixie "$PROM_PKGS" || rootfs_cached prometheus "$PROM_PKGS" ||
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

  rootfs_import python "$PY_IMAGE" "$PY_PKGS" '["python3"]'
  rootfs_import postgres ktrdr-lab/rootfs-postgres:trixie "$PG_PKGS"
  built_current postgres "$PG_IMAGE" || image_build postgres "$PG_IMAGE"
  shared_owners
  probe_build
  [[ -z $pg_pin ]] || push_pinned "$PG_IMAGE" "$pg_pin"
  # With pitr: the core runs <registry>/<images.db>:<the pin's tag>, the pin with pgBackRest, which the homelab's
  # CI builds from templates/Dockerfile.db (make build-db). The lab's image has Debian's pgbackrest already.
  [[ -z $pg_pin || -z $(config_value stack-config.yml pitr.subdir) ]] || push_pinned "$PG_IMAGE" "$(db_image)"
  push_pinned "$PROBE_IMAGE" "$PROBE_IMAGE"
  if [[ -n $prom_pin ]]; then
    rootfs_import prometheus ktrdr-lab/rootfs-prometheus:trixie "$PROM_PKGS"
    built_current prometheus "ktrdr-lab/prometheus:$prom" || image_build prometheus "ktrdr-lab/prometheus:$prom"
    push_pinned "ktrdr-lab/prometheus:$prom" "$prom_pin"
  fi
}

images_status() {
  local img rc=0
  for img in "$PY_IMAGE" "$PG_IMAGE"; do
    if ws_image_present "$img"; then echo "image $img: in the workstation's engine"; else
      echo "image $img: absent"
      rc=1
    fi
  done
  for img in $(pinned db) $(pinned prometheus) "$PROBE_IMAGE" $([[ -z $(config_value stack-config.yml pitr.subdir) ]] ||
    db_image); do
    if [[ -s $REG_DIR/pushed-$(printf '%s' "$img" | tr '/:' '__') ]]; then echo "image $img: in the registry"; else
      echo "image $img: not pushed"
      rc=1
    fi
  done
  return $rc
}

# shared_owners: the export's directories belong to who writes them, as on the homelab's NFS export — backups
# to the db image's postgres user (pg_dump writes them inside the container), results to the app's ktrdr
# user (uid 10001, templates/Dockerfile.base) — never world-writable.
shared_owners() {
  local ids
  ids=$(wsdocker run --rm --network none --entrypoint sh "$PG_IMAGE" -c 'echo "$(id -u postgres):$(id -g postgres)"') ||
    die "cannot read the postgres user of $PG_IMAGE"
  chown "$ids" "$EXPORT_SRC/db-backups"
  chmod 0750 "$EXPORT_SRC/db-backups"
  chown 10001:10001 "$EXPORT_SRC/results"
  chmod 0755 "$EXPORT_SRC/results"
}
