// Read a docker build log: which steps came from the layer cache. Understands the legacy builder
// ("Step 3/9 : RUN …" then " ---> Using cache") and BuildKit's plain progress ("#7 [3/9] RUN …" then "#7 CACHED").
export interface StepCache {
  instruction: string
  cached: boolean
}

export function buildSteps(log: string): StepCache[] {
  const steps: StepCache[] = []
  const byId = new Map<string, StepCache>()
  let current: StepCache | undefined
  for (const line of log.split('\n')) {
    const legacy = /^Step \d+\/\d+ : (.*)$/.exec(line)
    if (legacy) {
      current = { instruction: legacy[1]!.trim(), cached: false }
      steps.push(current)
      continue
    }
    if (current && /^ ---> Using cache$/.test(line)) current.cached = true
    const bk = /^#(\d+) \[(?:[\w-]+ )?\d+\/\d+\] (.*)$/.exec(line)
    if (bk && !byId.has(bk[1]!)) {
      const s = { instruction: bk[2]!.trim(), cached: false }
      byId.set(bk[1]!, s)
      steps.push(s)
    }
    const hit = /^#(\d+) CACHED$/.exec(line)
    if (hit && byId.has(hit[1]!)) byId.get(hit[1]!)!.cached = true
  }
  return steps
}

/** The steps that install dependencies: the COPY and RUN lines naming requirements.lock.txt. */
export function dependencySteps(steps: StepCache[]): StepCache[] {
  return steps.filter((s) => /requirements\.lock\.txt/.test(s.instruction) && /^(COPY|RUN)\b/i.test(s.instruction))
}

/** One line for the build summary: "4/11 steps from cache; dependency layer: from cache". */
export function cacheSummary(log: string): string {
  const steps = buildSteps(log).filter((s) => !/^(FROM|ARG)\b/i.test(s.instruction))
  const deps = dependencySteps(steps)
  const depState = deps.length === 0 ? 'none' : deps.every((s) => s.cached) ? 'from cache' : 'rebuilt'
  return `${steps.filter((s) => s.cached).length}/${steps.length} steps from cache; dependency layer: ${depState}`
}
