// A worker node retired: its stack stopped and removed with its records and lock (retire.sh), so its entry can
// be dropped from worker-nodes.yml. The binder; scripts/retire-node.ts runs it.
import { dirname } from 'node:path'
import { projectName } from '../compose/workers.ts'
import type { Config, WorkerNode } from '../config/model.ts'
import { lockLines, lockOwner, nodeLock } from '../job/lock.ts'
import { operator } from '../job/operator.ts'
import { bind, type ScriptParts } from '../job/render.ts'
import { ownRepos } from './scripts.ts'

export function retireScript(cfg: Config, node: WorkerNode, forceUnlock = false): ScriptParts {
  const lock = nodeLock(node.name)
  return {
    lib: ['job/lock.sh', 'deploy/retire.sh'],
    body: [
      ...bind({
        compose_path: node.composePath,
        compose_dir: dirname(node.composePath),
        project: projectName(node.composePath),
        operator: operator(),
        own_repos: ownRepos(cfg, { job: 'deploy-workers' }),
      }),
      ...lockLines([{ ...lock, mode: 'x' }], lockOwner('retire-node', `node ${node.name}`), forceUnlock),
      'retire',
      `retire_lock ${lock.scope}`,
    ],
    watchStdin: true,
  }
}
