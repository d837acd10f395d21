# The shared export: what the core's NFS server exports in the homelab (design §6.5, §8.3). Here a btrfs file
# system on a loop device of the lab's own ($LAB_DIR/shared.img, sparse), mounted at $LAB_DIR/shared-fs, with
# the export as a subvolume (ktrdr-shared; $LAB_DIR/shared points at it) and the snapshots beside it
# (.snapshots/ktrdr-shared): so lab/config's snapshots: section is the homelab's, as it is. Each host
# bind-mounts the export at shared.host_path; the core also at shared.export_path, the snapshot
# directory at /srv/.snapshots (lab/parts/anchor.sh), and the stand-in for the homelab's second disk at
# /mnt/usb/ktrdr-shared (a directory of the same btrfs, so `make snapshot-copy TO=/mnt/usb/ktrdr-shared`
# sends and receives as to a USB disk; what it cannot rehearse is losing the first disk alone).
SHARED_IMG="$LAB_DIR/shared.img"
SHARED_FS="$LAB_DIR/shared-fs"
EXPORT_SRC="$SHARED_FS/ktrdr-shared"
SNAPSHOTS_SRC="$SHARED_FS/.snapshots"
SHARED_SIZE=${KTRDR_LAB_SHARED_SIZE:-4G}
SNAPSHOTS_DIR=$(config_value stack-config.yml snapshots.dir)
OFFSITE_SRC="$SHARED_FS/offsite/ktrdr-shared"
OFFSITE_DIR=/mnt/usb/ktrdr-shared

shared_up() {
  if ! mountpoint -q "$SHARED_FS"; then
    log "shared: btrfs on a loop device ($SHARED_IMG, $SHARED_SIZE sparse) at $SHARED_FS"
    install -d -m 0755 "$SHARED_FS"
    if [[ ! -s $SHARED_IMG ]]; then
      truncate -s "$SHARED_SIZE" "$SHARED_IMG"
      mkfs.btrfs -q "$SHARED_IMG" >/dev/null 2>&1
    fi
    local dev
    dev=$(losetup --find --show "$SHARED_IMG")
    mount "$dev" "$SHARED_FS"
    echo "$SHARED_FS $dev" >>"$LAB_DIR/mounts.list"
  fi
  [[ -d $EXPORT_SRC ]] || btrfs subvolume create "$EXPORT_SRC" >/dev/null
  install -d -m 0755 "$SNAPSHOTS_SRC/ktrdr-shared" "$OFFSITE_SRC"
  # Owned by who writes there once the images are built (images.sh: shared_owners), never world-writable.
  install -d -m 0755 "$EXPORT_SRC/db-backups" "$EXPORT_SRC/results"
  ln -sfn "$EXPORT_SRC" "$LAB_DIR/shared"
}

# host_binds NAME: "SRC DST" per line, what the host bind-mounts of the export.
host_binds() {
  echo "$EXPORT_SRC $SHARED_HOST_PATH"
  [[ $1 == "$CORE_HOST" ]] || return 0
  echo "$EXPORT_SRC $SHARED_EXPORT_PATH"
  [[ -z $SNAPSHOTS_DIR ]] || echo "$SNAPSHOTS_SRC/ktrdr-shared $SNAPSHOTS_DIR"
  echo "$OFFSITE_SRC $OFFSITE_DIR"
}

# shared_mount_up NAME DIR: each bind of the host again where it is gone (a test may have unmounted one).
shared_mount_up() {
  local src dst
  while read -r src dst; do
    in_ns "$2" mountpoint -q "$dst" && continue
    log "host $1: mounting $src at $dst"
    in_ns "$2" mkdir -p "$dst"
    in_ns "$2" mount --bind "$src" "$dst"
  done < <(host_binds "$1")
}

shared_status() {
  if mountpoint -q "$SHARED_FS" && [[ -d $EXPORT_SRC/db-backups && -d $EXPORT_SRC/results ]]; then
    echo "shared: $EXPORT_SRC (btrfs subvolume, $(df -h --output=used "$SHARED_FS" | tail -1 | tr -d ' ') used)"
  else
    echo "shared: missing"
    return 1
  fi
}
