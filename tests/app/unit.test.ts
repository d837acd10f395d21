// The sample app's own tests (examples/ktrdr-app/tests, the standard library's unittest): jobs handed to idle
// workers, drain, a job re-queued when its worker was replaced, a result written once. Run with the machine's
// python3; unittest's exit code and its summary line are the verdict.
import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'

// A test's verdict is the last word before the next test's line: a line the code under test logs may sit between
// the name and the verdict.
const verdict = (out: string, name: string): string | undefined => {
  const start = out.search(new RegExp(`^${name} \\(`, 'm'))
  if (start < 0) return undefined
  const rest = out.slice(start)
  const end = rest.search(/\n(?=test_|-{10})/)
  return (end < 0 ? rest : rest.slice(0, end)).trim().split(/\s+/).pop()
}

test('examples/ktrdr-app: python3 -m unittest passes, and ran the job tests', () => {
  const r = spawnSync('python3', ['-m', 'unittest', 'discover', '-v', '-s', 'tests'], {
    cwd: 'examples/ktrdr-app',
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stderr, /^OK$/m)
  for (const name of [
    'test_a_job_runs_on_an_idle_worker_and_writes_its_result_once',
    'test_a_busy_or_draining_worker_takes_no_job',
    'test_draining_finishes_the_running_job',
    'test_a_job_whose_worker_was_replaced_is_queued_again_and_run_by_another',
    'test_a_finished_job_seen_in_a_poll_is_done_even_when_its_report_was_lost',
  ])
    assert.is(verdict(r.stderr, name), 'ok', name)
})

test.run()
