# The shared mount is a mount, not a directory (design §6.5, §8.4): on a bad day the NFS mount fails and leaves
# an empty directory behind, where workers would write results to the LXC's own disk and backups would land
# beside nothing. Every job that reads or writes the export checks it first.

# ktrdr_require_mount PATH: a `missing` event and exit 1 unless PATH is a mount point (mountpoint(1) reads the
# mount table, so an empty directory where the mount should be is told apart from the mount itself).
ktrdr_require_mount() {
  mountpoint -q "$1" && return 0
  if [ -d "$1" ]; then
    ktrdr_event missing "the shared mount $1 is not mounted on this host: the directory is there but is no mount" \
      "(did the NFS mount fail?); mount the export there (docs/runbook.md, \"The shared mount is empty\")," \
      "then run this again"
  else
    ktrdr_event missing "the shared mount $1 is not present on this host (design §6.5: mount the NFS export there)," \
      "then run this again"
  fi
  exit 1
}
