// The human summary `validate` prints: nodes, replicas and ports, services, and each service's variables
// (secrets as their reference, never a value).
import { planEnv, type PlannedVar } from './resolve.ts'
import type { Environment } from '../config/contract.ts'
import { type Config, enabledCoreServices, replicaPort, type WorkerNode } from '../config/model.ts'

const show = (v: PlannedVar) => `${v.name}=${v.kind === 'secret' ? `<${v.ref}>` : v.value}`

export function summarise(cfg: Config, environment: Environment, only?: WorkerNode[]): string[] {
  const s = cfg.stack
  const lines = [
    `config ${cfg.dir}: valid (${cfg.files.stack}, ${cfg.files.workers}, ${cfg.files.secrets})`,
    `registry ${s.registry.url} (user ${s.registry.username}); ` +
      `images ${s.images.backend}, ${s.images.worker}, ${s.images.base}`,
    `dns zone "${s.dns.zone}"; secrets provider ${cfg.secrets.provider}; environment ${environment}`,
    '',
    'hosts:',
    ...[...cfg.hosts.values()].map((h) => `  ${h.name.padEnd(18)} ${h.address.padEnd(15)} ssh ${h.ssh}`),
    '',
    `core on ${s.core.host} (${s.core.compose_path}):`,
  ]
  for (const [name, svc] of Object.entries(s.core.services)) {
    if (!svc) continue
    if (svc.disabled) {
      lines.push(`  ${name.padEnd(11)} left out: ${svc.disabled}`)
      continue
    }
    lines.push(`  ${name.padEnd(11)} ${svc.image ?? `${s.registry.url}/${s.images.backend}:<TAG>`}`)
    if (name === 'backend' || name === 'db')
      lines.push(`              ${planEnv(cfg, { environment, service: name }).map(show).join(' ')}`)
  }
  lines.push('', 'worker nodes:')
  for (const node of only ?? cfg.nodes) {
    const last = replicaPort(node, node.replicas)
    lines.push(
      `  ${node.name.padEnd(4)} ${node.host.padEnd(18)} ` +
        `${node.replicas} replica${node.replicas > 1 ? 's' : ' '} ` +
        `ports ${node.port}–${last}  ${node.composePath}`,
    )
    for (let r = 1; r <= node.replicas; r++)
      lines.push(
        `       replica ${r}: ` +
          `${planEnv(cfg, { environment, service: 'worker', node, replica: r }).map(show).join(' ')}`,
      )
  }
  lines.push('', `core services enabled: ${enabledCoreServices(cfg).join(', ')}`)
  return lines
}
