// The shell lines of one host's deploy, as data (each command an argv quoted by sh()). They run inside one
// `bash -s` session (lib/remote/script.ts) and report progress with `::ktrdr <event> <detail>` lines.
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import { projectName } from '../compose/workers.ts'
import { sh } from '../remote/script.ts'

export const LOCK_BUSY_EXIT = 75
export const ROLLED_BACK_EXIT = 76
export const UNHEALTHY_EXIT = 77

export const mark = (event: string, detail = '') => `echo ${sh([`::ktrdr ${event}${detail ? ` ${detail}` : ''}`])}`

/** Atomic lock (mkdir) naming who and since when; released by the EXIT trap, Ctrl-C included. */
export function lockLines(composePath: string, owner: string, forceUnlock: boolean): string[] {
  const lock = `${dirname(composePath)}/.ktrdr-deploy.lock`
  return [
    mark('step', 'lock'),
    mkdirLine(dirname(composePath)),
    ...(forceUnlock ? [sh(['rm', '-rf', lock])] : []),
    `if ! mkdir ${sh([lock])} 2>/dev/null; then echo "::ktrdr locked $(cat ${sh([`${lock}/owner`])} 2>/dev/null || echo unknown)"; exit ${LOCK_BUSY_EXIT}; fi`,
    `on_exit ${sh([sh(['rm', '-rf', lock])])}`,
    `printf '%s\\n' ${sh([owner])} > ${sh([`${lock}/owner`])}`,
  ]
}

// A deploy's steps use shell builtins where they can: every process a remote script starts costs ~15 ms
// on a busy host, and a no-change redeploy is mostly such small steps around `compose up`.

/** mkdir -p, only when the directory is not there yet. */
const mkdirLine = (dir: string) => `[ -d ${sh([dir])} ] || ${sh(['mkdir', '-p', dir])}`

/**
 * `var` = the whole file (builtin read; empty when there is no file). `|| true` covers only read's end of
 * file: a file that cannot be opened fails the redirection of the group, and set -e stops the script.
 */
const readFileLine = (v: string, path: string) =>
  `${v}=; if [ -f ${sh([path])} ]; then { IFS= read -r -d '' ${v} || true; } < ${sh([path])}; fi`

/**
 * Write a file through a temp name and rename, unless it already holds exactly that content. The content
 * travels in a quoted heredoc (never expanded) into a variable (builtin read).
 */
export function writeFileLines(path: string, content: string): string[] {
  const eof = `KTRDR_EOF_${randomBytes(6).toString('hex')}`
  return [
    mkdirLine(dirname(path)),
    '__ktrdr_new=',
    `{ IFS= read -r -d '' __ktrdr_new || true; } <<'${eof}'`,
    content.replace(/\n?$/, ''),
    eof,
    // A here-document always ends in a newline: empty means bash could not stage it (no temp space).
    `[ -n "$__ktrdr_new" ] || { echo ${sh([`cannot stage the rendered ${path} (no space for the shell's here-document?)`])} >&2; exit 1; }`,
    readFileLine('__ktrdr_cur', path),
    // Separate commands (not &&): under set -e a failed write must stop the script before compose runs.
    `if [ "$__ktrdr_cur" != "$__ktrdr_new" ] || [ ! -f ${sh([path])} ]; then`,
    `  printf '%s' "$__ktrdr_new" > ${sh([`${path}.new`])}`,
    `  ${sh(['mv', '-f', `${path}.new`, path])}`,
    'fi',
  ]
}

/** Keep the running config as .prev (for rollback), then put the new one in place. */
export function shipLines(composePath: string, compose: string, files: { name: string; content: string }[]): string[] {
  const dir = dirname(composePath)
  return [
    mark('step', 'ship'),
    readFileLine('__ktrdr_prev', composePath),
    `if [ -f ${sh([composePath])} ]; then printf '%s' "$__ktrdr_prev" > ${sh([`${composePath}.prev`])}; else rm -f ${sh([`${composePath}.prev`])}; fi`,
    ...files.flatMap((f) => writeFileLines(`${dir}/${f.name}`, f.content)),
    ...writeFileLines(composePath, compose),
  ]
}

/** Registry login with the password on stdin (printf is a builtin: no argv), into a tmpfs DOCKER_CONFIG. */
export function loginLines(registryHost: string): string[] {
  return [
    mark('step', 'login'),
    'docker_config_home=${DOCKER_CONFIG:-$HOME/.docker}',
    // tmpfs only: /dev/shm, else $XDG_RUNTIME_DIR; never ordinary disk, where a killed run would leave the login behind.
    `DOCKER_CONFIG="$(mktemp -d /dev/shm/ktrdr-docker.XXXXXX 2>/dev/null || mktemp -d "\${XDG_RUNTIME_DIR:-/nonexistent}/ktrdr-docker.XXXXXX" 2>/dev/null)" || { ${mark('failed', 'no tmpfs (/dev/shm or $XDG_RUNTIME_DIR) for the registry login')}; exit 1; }`,
    'export DOCKER_CONFIG',
    'on_exit \'rm -rf "$DOCKER_CONFIG"\'',
    // A compose plugin installed per user (where the preflight found it) must stay visible to the docker CLI.
    '[ ! -d "$docker_config_home/cli-plugins" ] || ln -s "$docker_config_home/cli-plugins" "$DOCKER_CONFIG/cli-plugins"',
    // One placeholder auth entry: without any, docker would store the password in a credential helper
    // (pass, secretservice) that outlives this directory.
    `printf '%s\\n' ${sh([JSON.stringify({ auths: { 'ktrdr.invalid': {} } })])} > "$DOCKER_CONFIG/config.json"`,
    `if ! login_err=$(printf '%s' "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USERNAME" --password-stdin ${sh([registryHost])} 2>&1 >/dev/null); then echo "::ktrdr login-refused \${login_err##*$'\\n'}"; exit 1; fi`,
  ]
}

export function composeCmd(composePath: string, ...args: string[]): string {
  return sh(['docker', 'compose', '-f', composePath, ...args])
}

/**
 * Pull only our own images (the tag being deployed); pinned third-party images are fetched by `up` when
 * missing (compose's default pull policy), so a deploy never re-asks a public registry for them.
 */
export function pullUpLines(composePath: string, services: string[], pullServices: string[]): string[] {
  return [
    mark('step', 'pull'),
    ...(pullServices.length ? [composeCmd(composePath, 'pull', '--quiet', ...pullServices)] : []),
    mark('step', 'up'),
    composeCmd(composePath, 'up', '-d', '--remove-orphans', ...services),
  ]
}

/**
 * Wait until every service's containers are healthy (or running, without a healthcheck). One `docker ps`
 * per round over the project's labels (compose ps + inspect cost three times as much).
 */
export function healthFunction(composePath: string, services: string[], timeoutS: number): string[] {
  const wanted = ` ${services.join(' ')} `
  const ps = sh([
    'docker',
    'ps',
    '-a',
    '--filter',
    `label=com.docker.compose.project=${projectName(composePath)}`,
    '--filter',
    'label=com.docker.compose.oneoff=False',
    '--format',
    '{{.Label "com.docker.compose.service"}}\t{{.Names}}\t{{.State}}\t{{.Status}}',
  ])
  return [
    'wait_healthy() {',
    `  local deadline=$((SECONDS + ${timeoutS})) svc name state status bad pending seen s`,
    '  while :; do',
    '    bad=""; pending=0; seen=" "',
    "    while IFS=$'\\t' read -r svc name state status; do",
    `      case ${sh([wanted])} in *" $svc "*) ;; *) continue ;; esac`,
    '      seen="$seen$svc "',
    '      case "$state" in',
    '        running) case "$status" in *"(unhealthy)"*) bad="$bad /$name unhealthy" ;; *"(health: starting)"*) pending=1 ;; esac ;;',
    '        created|restarting) pending=1 ;;',
    '        *) bad="$bad /$name $state" ;;',
    '      esac',
    `    done < <(${ps})`,
    `    for s in ${sh(services)}; do case "$seen" in *" $s "*) ;; *) pending=1 ;; esac; done`,
    '    if [ -n "$bad" ]; then echo "::ktrdr unhealthy$bad"; return 1; fi',
    '    [ "$pending" = 1 ] || return 0',
    '    if [ $SECONDS -ge $deadline ]; then echo "::ktrdr unhealthy timed out after ' + timeoutS + 's"; return 1; fi',
    '    sleep 1',
    '  done',
    '}',
  ]
}

/** Health gate, and rollback to the previous config on failure (the old replicas come back as they were). */
export function healthAndRollbackLines(composePath: string, services: string[]): string[] {
  const prev = `${composePath}.prev`
  return [
    mark('step', 'health'),
    'if ! wait_healthy; then',
    `  if [ -f ${sh([prev])} ]; then`,
    `    prev_tag=$(sed -n 's/^# ktrdr-tag: //p' ${sh([prev])})`,
    `    echo "::ktrdr rollback $prev_tag"; mv -f ${sh([prev])} ${sh([composePath])}`,
    `    ${composeCmd(composePath, 'up', '-d', '--remove-orphans', ...services)}`,
    '    if wait_healthy; then audit "rolled-back-to=$prev_tag"; exit ' + ROLLED_BACK_EXIT + '; fi',
    '    audit "rollback-unhealthy"; exit ' + UNHEALTHY_EXIT,
    '  fi',
    `  audit unhealthy; exit ${UNHEALTHY_EXIT}`,
    'fi',
  ]
}

/** One audit line per run on the host: time, operator, tag, services, result. No secret ever. */
export function auditFunction(composePath: string, operator: string, tag: string, services: string[]): string[] {
  const log = `${dirname(composePath)}/deploy-audit.log`
  return [
    `audit() { local now; TZ=UTC0 printf -v now '%(%Y-%m-%dT%H:%M:%SZ)T' -1 2>/dev/null || now=$(date -u +%Y-%m-%dT%H:%M:%SZ); printf '%s operator=%s tag=%s services=%s result=%s\\n' "$now" ${sh([operator, tag, services.join(',') || 'all'])} "$1" >> ${sh([log])}; echo "::ktrdr audit $1"; }`,
  ]
}
