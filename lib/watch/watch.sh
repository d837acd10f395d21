# What make backup-status reads on the core host beyond the backups directory (inventory): the server's WAL
# archiver and the pgBackRest repository (watch_pitr); and the Prometheus textfile every job leaves for
# node_exporter (write_textfile). After lib/backup/backup.sh and lib/pitr/pitr.sh. Variables, bound by
# lib/watch/checks.ts: those of lib/pitr/job.ts and archiver_sql; for the textfile: textfile textfile_text.
# shellcheck disable=SC2154 # the variables are bound by lib/watch/checks.ts (bind) ahead of this file

# watch_pitr: `archiver <row>` from the running server (archiver_sql's one row: epoch seconds, 0 for never),
# `archiver down` when the db is not running, `archiver unreadable <why>`; then the repository as pitr_info
# reads it (pitr-info, wal-newest) or `pitr-none` when there is none, `pitr-unreadable <why>`. Never fails:
# what cannot be read is itself the figure.
watch_pitr() {
  local row info
  cid=$(db_running_id)
  if [ -z "$cid" ]; then
    ktrdr_event archiver down
  elif row=$(psql_in "$database" -A -t -F ' ' -c "$archiver_sql" 2>&1); then
    ktrdr_event archiver "$row"
  else
    ktrdr_event archiver unreadable "$(printf '%s' "$row" | tail -n 2 | tr -s ' \n' ' ')"
  fi
  if [ ! -d "$repo_host" ]; then
    ktrdr_event pitr-none
    return 0
  fi
  if [ -n "$cid" ]; then
    info=$(pgbr info --output=json 2>&1) || info="!$info"
  else
    info=$(side_run pgbackrest --stanza="$stanza" info --output=json 2>&1) || info="!$info"
  fi
  case $info in
    '!'*) ktrdr_event pitr-unreadable "$(printf '%s' "${info#!}" | sed -n '/ERROR:/,$p' | tr -s ' \n' ' ')" ;;
    *) ktrdr_event pitr-info "$(printf '%s' "$info" | tr -d '\n')" ;;
  esac
  wal_newest
}

# watch_list SECTION DIR CMD…: snapshot.sh's snap_list for the status, which must not fail: a listing that
# cannot be made here (ZFS without /dev/zfs in the backup unit's sandbox) is `snapshots-unlisted SECTION`.
watch_list() {
  local section=$1 dir=$2 out=
  shift 2
  if [ -z "$dir" ] || [ -d "$dir" ]; then
    out=$("$@" 2>/dev/null) || {
      ktrdr_event snapshots-unlisted "$section"
      return 0
    }
  fi
  ktrdr_event section "$section"
  [ -z "$out" ] || printf '%s\n' "$out"
  ktrdr_event section end
}

# write_textfile: textfile_text into textfile whole or not at all (a temp file beside it, renamed over it),
# readable by node_exporter (0644 whatever the umask); its directory made when missing (0755: the units'
# UMask=0077 would hide it).
write_textfile() {
  local d=${textfile%/*} tmp
  tmp="$d/.${textfile##*/}.$$"
  (umask 022 && mkdir -p "$d") && printf '%s' "$textfile_text" >"$tmp" && chmod 0644 "$tmp" &&
    mv -f "$tmp" "$textfile" || {
    rm -f "$tmp"
    fail "cannot write the textfile $textfile"
  }
  ktrdr_event textfile "$textfile"
}
