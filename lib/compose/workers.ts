// docker-compose.workers.yml for one node, rendered from worker-nodes.yml: one service per replica, each
// with its own port and its own explicit WORKER_PUBLIC_BASE_URL (design §6.4, §7.4).
import { basename } from 'node:path'
import { type Config, hostOf, imageRef, replicaPort, type WorkerNode } from '../config/model.ts'
import { planEnv } from '../contract/resolve.ts'
import { type ComposeService, environment, header, healthcheck, network, sharedVolume, toYaml } from './common.ts'

export function projectName(composePath: string): string {
  return composePath
    .split('/')
    .slice(-2, -1)[0]!
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
}

export function workerServiceNames(node: WorkerNode): string[] {
  return Array.from({ length: node.replicas }, (_, i) => `worker-${i + 1}`)
}

export function renderWorkersCompose(cfg: Config, node: WorkerNode, tag: string): string {
  const host = hostOf(cfg, node.host)
  const services: Record<string, ComposeService> = {}
  for (let r = 1; r <= node.replicas; r++) {
    const vars = planEnv(cfg, { environment: 'homelab', service: 'worker', node, replica: r })
    services[`worker-${r}`] = {
      image: imageRef(cfg, 'worker', tag),
      restart: 'unless-stopped',
      ...(node.stopGracePeriod ? { stop_grace_period: node.stopGracePeriod } : {}),
      environment: environment(vars),
      labels: { 'ktrdr.node': node.name, 'ktrdr.replica': String(r), 'ktrdr.tag': tag },
      volumes: [sharedVolume(cfg)],
      ...healthcheck(cfg),
      ...network(cfg, host.address, [replicaPort(node, r)]),
    }
  }
  return header(basename(cfg.files.workers), tag) + toYaml({ name: projectName(node.composePath), services })
}
