# A host's deploy records, read back (read only): lib/deploy/rollback.ts chooses from them. Variables, bound by
# lib/deploy/rollback.ts: compose_dir.
# shellcheck disable=SC2154 # the variables are bound by lib/deploy/rollback.ts (bind) ahead of this file

# list_records: every record beside the compose file, newest first, one `record <file> <json>` line each (a
# record is one line: anything after a hand-edited line break is left out, and the record reads as damaged).
list_records() {
  local files=("$compose_dir"/deploys/[0-9][0-9][0-9][0-9][0-9][0-9].json) i line
  if [ ! -f "${files[0]}" ]; then
    ktrdr_event no-records
    return 0
  fi
  for ((i = ${#files[@]} - 1; i >= 0; i--)); do
    line=
    { IFS= read -r line || true; } <"${files[i]}"
    printf '::ktrdr record %s %s\n' "${files[i]##*/}" "$line"
  done
}
