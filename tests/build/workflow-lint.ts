// A linter for the shipped GitHub workflow (actionlint is not packaged in Debian, so the checks an operator
// would want from it are here, on the text and on its YAML): every action pinned to the commit its release tag
// names (templates/github/actions.json, read from each action's repository) with that tag in a comment and
// only inputs its action.yml declares; every job with runs-on, a timeout and its own least permissions; needs
// that exist; expressions only in the contexts GitHub has, and never inside a run: line (script injection);
// no pull_request_target; a secret only in the env of a step that runs our make, never of an action.
import { parse } from 'yaml'

export interface PinnedAction {
  tag: string
  sha: string
  inputs: string[]
}

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }
type Job = {
  'runs-on'?: string
  'timeout-minutes'?: number
  permissions?: Record<string, string>
  needs?: string | string[]
  if?: string
  env?: Record<string, string>
  steps?: Step[]
}

const CONTEXTS = new Set([
  'github',
  'env',
  'vars',
  'secrets',
  'steps',
  'needs',
  'matrix',
  'runner',
  'inputs',
  'job',
  'strategy',
])
const EVENTS = new Set(['push', 'pull_request', 'workflow_dispatch', 'schedule', 'release', 'merge_group'])
const SCOPES = new Set([
  'actions',
  'checks',
  'contents',
  'deployments',
  'id-token',
  'issues',
  'packages',
  'pages',
  'pull-requests',
  'statuses',
  'attestations',
])

/** Every `${{ … }}` of a value, and the contexts it names. */
function expressions(v: unknown): string[] {
  const text = typeof v === 'string' ? v : JSON.stringify(v ?? '')
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].map((m) => m[1]!.trim())
}
const contextsOf = (expr: string) =>
  [...expr.replace(/'[^']*'/g, "''").matchAll(/(?<![\w.-])([a-z_][\w-]*)(?=\.)/g)].map((m) => m[1]!)

export function lintWorkflow(text: string, actions: Record<string, PinnedAction>): string[] {
  const problems: string[] = []
  const wf = parse(text) as { on?: Record<string, unknown>; permissions?: unknown; jobs?: Record<string, Job> }
  // uses: lines, with their comments (the YAML parser drops comments).
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)\s*(?:#\s*(.*?))?\s*$/.exec(line)
    if (!m) return
    const [, ref, comment] = m
    const [name, at] = ref!.split('@') as [string, string | undefined]
    const pin = actions[name]
    if (!pin) problems.push(`line ${i + 1}: ${name} is not in actions.json (pin it there, from its repository)`)
    else if (at !== pin.sha)
      problems.push(`line ${i + 1}: ${name}@${at} is not pinned to ${pin.sha} (the commit of ${pin.tag})`)
    else if (comment !== pin.tag) problems.push(`line ${i + 1}: ${name} needs the comment "# ${pin.tag}"`)
    if (at && !/^[0-9a-f]{40}$/.test(at)) problems.push(`line ${i + 1}: ${ref} is not pinned by a commit SHA`)
  })
  const seen = new Set(text.split('\n').flatMap((l) => /^\s*(?:-\s+)?uses:\s*(\S+)/.exec(l)?.[1] ?? []))
  for (const job of Object.values(wf.jobs ?? {}))
    for (const step of job.steps ?? [])
      if (step.uses && !seen.has(step.uses)) problems.push(`${step.uses}: a uses: the lint could not read by line`)
  for (const ev of Object.keys(wf.on ?? {}))
    if (ev === 'pull_request_target') problems.push('on: pull_request_target runs untrusted code with secrets')
    else if (!EVENTS.has(ev)) problems.push(`on: unknown or unexpected event ${ev}`)
  if (wf.permissions === undefined) problems.push('permissions: no workflow default (least privilege: contents: read)')
  const jobs = wf.jobs ?? {}
  if (!Object.keys(jobs).length) problems.push('jobs: none')
  for (const [id, job] of Object.entries(jobs)) {
    const where = `jobs.${id}`
    if (!job['runs-on']) problems.push(`${where}: no runs-on`)
    if (typeof job['timeout-minutes'] !== 'number') problems.push(`${where}: no timeout-minutes (the default is 6 h)`)
    if (!job.permissions) problems.push(`${where}: no permissions of its own`)
    for (const [scope, level] of Object.entries(job.permissions ?? {}))
      if (!SCOPES.has(scope) || !['read', 'write', 'none'].includes(level))
        problems.push(`${where}.permissions: ${scope}: ${level} is not a permission`)
    for (const n of [job.needs ?? []].flat()) if (!(n in jobs)) problems.push(`${where}.needs: no job ${n}`)
    if (job.if !== undefined)
      for (const ev of [...String(job.if).matchAll(/github\.event_name == '([^']+)'/g)].map((m) => m[1]!))
        if (!(ev in (wf.on ?? {}))) problems.push(`${where}.if: the workflow is never triggered by ${ev}`)
    const pushes = Object.entries(job.permissions ?? {}).some(([s, l]) => s === 'packages' && l === 'write')
    ;(job.steps ?? []).forEach((step, i) => {
      const at = `${where}.steps[${i}]${step.name ? ` (${step.name})` : ''}`
      if (!step.uses === !step.run) problems.push(`${at}: exactly one of uses: and run:`)
      if (step.run?.includes('${{')) problems.push(`${at}: an expression inside run: (pass it through env:, as $VAR)`)
      if (step.uses) {
        const pin = actions[step.uses.split('@')[0]!]
        for (const k of Object.keys(step.with ?? {}))
          if (pin && !pin.inputs.includes(k)) problems.push(`${at}: ${step.uses.split('@')[0]} has no input ${k}`)
        if (Object.values(step.env ?? {}).some((v) => /secrets\./.test(v)))
          problems.push(`${at}: a secret in the env of an action`)
      }
      if (step.run !== undefined && Object.values(step.env ?? {}).some((v) => /secrets\./.test(v)) && !pushes)
        problems.push(`${at}: a secret in a job that does not push`)
    })
    if (Object.values(job.env ?? {}).some((v) => /secrets\./.test(v)))
      problems.push(`${where}.env: a secret for every step of the job (give it to the steps that need it)`)
  }
  const all = [wf.on, (wf as Record<string, unknown>).concurrency, ...Object.values(jobs)]
  for (const expr of all.flatMap(expressions))
    for (const c of contextsOf(expr)) if (!CONTEXTS.has(c)) problems.push(`\${{ ${expr} }}: no context ${c}`)
  return problems
}
