// KTRDR_TIMELINE=1: the ms from the process's start at which each step of a run happened, printed on stderr
// when the job ends (main.ts) — where a deploy's time goes (docs/deploy.md, "Benchmarks"). Off, nothing is
// kept. Steps are names and host labels only, never a value.
const on = process.env.KTRDR_TIMELINE === '1'
const marks: [string, number][] = []

export function mark(step: string): void {
  if (on) marks.push([step, performance.now()])
}

export function timelineLines(): string[] {
  return marks.map(([step, t]) => `timeline ${t.toFixed(0).padStart(6)} ms  ${step}`)
}
