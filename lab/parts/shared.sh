# The shared export: what the core's NFS server exports in the homelab (design §6.5, §8.3). Here a btrfs file
# system on a loop device of the lab's own ($LAB_DIR/shared.img, sparse), mounted at $LAB_DIR/shared-fs, with
# the export as a subvolume (ktrdr-shared; $LAB_DIR/shared points at it) and the snapshots beside it
# (.snapshots/ktrdr-shared): so lab/config's snapshots: section is the homelab's, as it is. Each host
# bind-mounts the export at shared.host_path; the core also at shared.export_path, the snapshot
# directory at /srv/.snapshots (lab/parts/anchor.sh), and the stand-in for the homelab's second disk at
# /mnt/usb: a btrfs file system of its own on a second loop device ($LAB_DIR/usb.img), its root mounted there
# as a USB disk's would be, with snapshots.copy_to (/mnt/usb/ktrdr-shared) a directory in it. Its root, not a
# directory of it: btrfs receive finds an incremental stream's parent by its path from the file system's root,
# which a bind of a subdirectory hides. A disk of its own, so losing the first disk can be rehearsed.
SHARED_IMG="$LAB_DIR/shared.img"
SHARED_FS="$LAB_DIR/shared-fs"
EXPORT_SRC="$SHARED_FS/ktrdr-shared"
SNAPSHOTS_SRC="$SHARED_FS/.snapshots"
SHARED_SIZE=${KTRDR_LAB_SHARED_SIZE:-4G}
SNAPSHOTS_DIR=$(config_value stack-config.yml snapshots.dir)
USB_IMG="$LAB_DIR/usb.img"
USB_FS="$LAB_DIR/usb-fs"
USB_SIZE=${KTRDR_LAB_USB_SIZE:-2G}
OFFSITE_DIR=$(config_value stack-config.yml snapshots.copy_to)
USB_DIR=/mnt/usb

# loop_btrfs IMG SIZE DIR WHAT: a btrfs file system on a loop device of IMG (sparse, made once), mounted at DIR.
loop_btrfs() {
  mountpoint -q "$3" && return 0
  log "$4: btrfs on a loop device ($1, $2 sparse) at $3"
  install -d -m 0755 "$3"
  if [[ ! -s $1 ]]; then
    truncate -s "$2" "$1"
    mkfs.btrfs -q "$1" >/dev/null 2>&1
  fi
  local dev
  dev=$(losetup --find --show "$1")
  mount "$dev" "$3"
  echo "$3 $dev" >>"$LAB_DIR/mounts.list"
}

shared_up() {
  loop_btrfs "$SHARED_IMG" "$SHARED_SIZE" "$SHARED_FS" shared
  loop_btrfs "$USB_IMG" "$USB_SIZE" "$USB_FS" "second disk"
  [[ -d $EXPORT_SRC ]] || btrfs subvolume create "$EXPORT_SRC" >/dev/null
  install -d -m 0755 "$SNAPSHOTS_SRC/ktrdr-shared" "$USB_FS/${OFFSITE_DIR#"$USB_DIR"/}"
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
  echo "$USB_FS $USB_DIR"
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
