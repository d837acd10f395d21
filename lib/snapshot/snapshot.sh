# The snapshot jobs on the core host: checks, listing, create, delete, and the off-host copy. The commands
# themselves come from the argv builders (lib/snapshot/commands.ts, copy.ts) as arguments; this file holds what
# happens around them. Variables, bound by lib/snapshot/scripts.ts: backend (btrfs | zfs) source snapshot_dir
# dataset list_cmd=() (the listing of the snapshots); for a delete: own_re (our names) newest_of_list (how to
# turn list_cmd's lines into names).
# shellcheck disable=SC2154 # the variables are bound by lib/snapshot/scripts.ts (bind) ahead of this file

# snap_preflight: is the tool there, and is the thing we snapshot there? Not btrfs at all is the bad-day case
# (the export's disk did not mount): that is said, not "create a subvolume".
snap_preflight() {
  if [ "$backend" = btrfs ]; then
    command -v btrfs >/dev/null || snap_missing 'btrfs is not installed on this host (apt install btrfs-progs)'
    if ! btrfs subvolume show "$source" >/dev/null 2>&1; then
      [ "$(stat -f -c %T "$source" 2>/dev/null)" = btrfs ] ||
        snap_missing "$source is not on a btrfs file system: is the export's file system mounted? (mount it, then" \
          "run this again; docs/snapshots.md)"
      snap_missing "$source is not a btrfs subvolume (create it with: btrfs subvolume create $source," \
        "then move the data in)"
    fi
  else
    command -v zfs >/dev/null || snap_missing 'zfs is not installed on this host (apt install zfsutils-linux)'
    zfs list -H -o name "$dataset" >/dev/null 2>&1 ||
      snap_missing "ZFS dataset $dataset does not exist (zfs list shows the datasets)"
  fi
}
snap_missing() {
  ktrdr_event missing "$*"
  exit 1
}

# snap_now: the host's clock (the plans use it unless --now is given).
snap_now() { ktrdr_event now "$(date -u +%s)"; }

# snap_list SECTION DIR CMD…: CMD's lines between `section SECTION` and `section end` (btrfs: none when the
# snapshot directory DIR is not there yet; ZFS: DIR is empty).
snap_list() {
  local section=$1 dir=$2
  shift 2
  ktrdr_event section "$section"
  if [ -z "$dir" ] || [ -d "$dir" ]; then "$@"; fi
  ktrdr_event section end
}

# snap_exists REF: btrfs: the snapshot's directory; ZFS: the snapshot.
snap_exists() {
  if [ "$backend" = btrfs ]; then [ -e "$1" ]; else zfs list -H -o name "$1" >/dev/null 2>&1; fi
}

# snap_create REF -- CREATE… -- DELETE…: refuse a name that exists, create, and (btrfs) check it is read-only: a
# snapshot that is not is no backup, so it is removed again and the job fails.
snap_create() {
  local ref=$1 create=() delete=()
  shift 2
  while (($#)) && [ "$1" != -- ]; do
    create+=("$1")
    shift
  done
  shift
  delete=("$@")
  if snap_exists "$ref"; then
    ktrdr_event exists "$ref"
    exit 1
  fi
  ktrdr_event step create
  "${create[@]}" >/dev/null
  if [ "$backend" = btrfs ] && [ "$(btrfs property get -ts "$ref" ro)" != ro=true ]; then
    "${delete[@]}" >/dev/null
    ktrdr_event not-readonly "$ref"
    exit 1
  fi
  ktrdr_event created "$ref"
}

# snap_names: our snapshot names as they are now (ZFS lines are dataset@name<TAB>creation).
snap_names() {
  if [ "$backend" = btrfs ]; then "${list_cmd[@]}"; else "${list_cmd[@]}" | cut -f1 | sed 's/^[^@]*@//'; fi
}

# snap_newest: the newest of our own names on the host now (they sort by time), for the guard below.
snap_newest() {
  newest=$(snap_names | { grep -E "$own_re" || true; } | LC_ALL=C sort | tail -n 1)
  ktrdr_event step delete
}

# snap_delete NAME REF DELETE…: never the newest snapshot, whatever the plan said (it may have been made from a
# stale list); a snapshot already gone is reported, not an error.
snap_delete() {
  local name=$1 ref=$2
  shift 2
  if [ "$name" = "$newest" ]; then
    ktrdr_event refused-newest "$name"
    exit 1
  fi
  if snap_exists "$ref"; then
    "$@" >/dev/null
    ktrdr_event deleted "$name"
  else
    ktrdr_event gone "$name"
  fi
}

# snap_nothing_to_delete: btrfs without a snapshot directory has nothing to prune.
snap_nothing_to_delete() {
  if [ "$backend" = btrfs ] && [ ! -d "$snapshot_dir" ]; then
    ktrdr_event nothing 'no snapshot directory'
    exit 0
  fi
  [ "$backend" = btrfs ] || snap_preflight
}

# copy_rsync DEST RSYNC…: a plain file copy of one snapshot (any destination: a path or host:path).
copy_rsync() {
  local dest=$1
  shift
  command -v rsync >/dev/null || snap_missing 'rsync is not installed on this host (apt install rsync)'
  [[ $dest != /* ]] || mkdir -p "$dest"
  if ! "$@"; then
    ktrdr_event copy-failed "rsync to $dest"
    exit 1
  fi
}

# copy_send DEST RECEIVED -- SEND… -- RECEIVE…: send | receive (set -o pipefail: either half fails the copy). A
# failed btrfs receive leaves a partial, writable subvolume: removed, so the next run starts clean.
copy_send() {
  local dest=$1 received=$2 send=() receive=()
  shift 3
  while (($#)) && [ "$1" != -- ]; do
    send+=("$1")
    shift
  done
  shift
  receive=("$@")
  if [ "$backend" = btrfs ]; then
    mkdir -p "$dest"
    [ "$(stat -f -c %T "$dest")" = btrfs ] ||
      snap_missing "$dest is not on a btrfs file system (btrfs receive needs one; use rsync:$dest for any other)"
    if ! { "${send[@]}" | "${receive[@]}" >/dev/null; }; then
      if [ -d "$received" ]; then btrfs subvolume delete "$received" >/dev/null || true; fi
      ktrdr_event copy-failed 'btrfs send | btrfs receive'
      exit 1
    fi
    [ "$(btrfs property get -ts "$received" ro)" = ro=true ] || {
      ktrdr_event copy-failed "$received is not read-only after receive"
      exit 1
    }
  elif ! { "${send[@]}" | "${receive[@]}"; }; then
    ktrdr_event copy-failed 'zfs send | zfs receive'
    exit 1
  fi
}
