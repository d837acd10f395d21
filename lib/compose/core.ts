// docker-compose.core.yml (design §6.2, §7.1) and the files shipped beside it: prometheus.yml with a
// scrape target for the backend and every worker replica, and grafana's provisioned datasource.
import { basename } from 'node:path'
import { type Config, enabledCoreServices, fqdn, hostOf, imageRef, replicaPort } from '../config/model.ts'
import { planEnv } from '../contract/resolve.ts'
import { CORE_PORTS } from '../config/schema.ts'
import {
  type ComposeService,
  environment,
  extraHosts,
  header,
  healthcheck,
  network,
  sharedVolume,
  toYaml,
} from './common.ts'
import { projectName } from './workers.ts'
import { OpsError } from '../errors.ts'
import { dbCommand, dbImage, PGBACKREST_CONF, pgbackrestConf, wakeCheckpointer } from './pgbackrest.ts'

export interface ShippedFile {
  /** Path relative to the compose file's directory. */
  name: string
  content: string
}

export function prometheusConfig(cfg: Config): string {
  const backend = `${fqdn(cfg, cfg.stack.core.host)}:${cfg.stack.backend.port}`
  const workers = cfg.nodes.flatMap((n) =>
    Array.from({ length: n.replicas }, (_, i) => ({
      target: `${fqdn(cfg, n.host)}:${replicaPort(n, i + 1)}`,
      node: n.name,
    })),
  )
  return toYaml({
    global: { scrape_interval: '15s' },
    scrape_configs: [
      { job_name: 'ktrdr-backend', static_configs: [{ targets: [backend] }] },
      ...cfg.nodes.map((n) => ({
        job_name: `ktrdr-workers-${n.name.toLowerCase()}`,
        static_configs: [
          { targets: workers.filter((w) => w.node === n.name).map((w) => w.target), labels: { node: n.name } },
        ],
      })),
    ],
  })
}

export function grafanaDatasource(cfg: Config): string {
  const url =
    cfg.stack.network.mode === 'host' ? `http://${fqdn(cfg, cfg.stack.core.host)}:9090` : 'http://prometheus:9090'
  return toYaml({
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', type: 'prometheus', access: 'proxy', url, isDefault: true }],
  })
}

/** The named volumes of the enabled services: data that outlives a container. */
function dataVolumes(enabled: string[]): Record<string, Record<string, never>> {
  const owned: [string, string][] = [
    ['db', 'dbdata'],
    ['prometheus', 'prometheus-data'],
    ['grafana', 'grafana-data'],
  ]
  return Object.fromEntries(owned.filter(([s]) => enabled.includes(s)).map(([, v]) => [v, {}]))
}

/** shared.nfs_clients, else the one /24 every host's address is in (a config whose hosts are not is refused). */
export function nfsClients(cfg: Config): string {
  if (cfg.stack.shared.nfs_clients) return cfg.stack.shared.nfs_clients
  const nets = new Set(Object.values(cfg.stack.hosts).map((h) => `${h.address.split('.').slice(0, 3).join('.')}.0/24`))
  if (nets.size !== 1 || [...nets][0]!.includes(':'))
    throw new OpsError(
      `${cfg.files.stack}: the hosts are not in one /24, so the NFS export cannot default to their subnet`,
      { hint: 'set shared.nfs_clients: <subnet> (e.g. 192.168.50.0/24)', exitCode: 2 },
    )
  return [...nets][0]!
}

export function renderCoreCompose(cfg: Config, tag: string): { compose: string; files: ShippedFile[] } {
  const s = cfg.stack
  const host = hostOf(cfg, s.core.host)
  const hostMode = s.network.mode === 'host'
  const base = (ports: number[]): ComposeService => ({
    restart: 'unless-stopped',
    ...extraHosts(hostMode ? { db: host.address } : {}),
    ...network(cfg, host.address, ports),
  })
  // The server listens on database.port: compose's network in bridge mode, the host's own in host mode.
  const pgPort = hostMode || s.database.port !== 5432 ? [`PGPORT=${s.database.port}`] : []
  const pitr = s.pitr
  const all: Record<string, ComposeService> = {
    db: {
      ...base([]),
      image: dbImage(cfg),
      environment: [
        ...environment(planEnv(cfg, { environment: 'homelab', service: 'db' }), {
          DB_NAME: 'POSTGRES_DB',
          DB_USER: 'POSTGRES_USER',
          DB_PASSWORD: 'POSTGRES_PASSWORD',
        }),
        ...pgPort,
      ],
      // Point-in-time recovery: the server archives its WAL with pgBackRest (lib/pitr/config.ts).
      ...(pitr ? { command: dbCommand(pitr) } : {}),
      volumes: [
        'dbdata:/var/lib/postgresql/data',
        sharedVolume(cfg),
        ...(pitr ? [`./pgbackrest.conf:${PGBACKREST_CONF}:ro`] : []),
      ],
      healthcheck: {
        test: [
          'CMD-SHELL',
          `pg_isready -q -h 127.0.0.1 -p ${s.database.port} -U ${s.database.user} -d ${s.database.name}` +
            (pitr ? ` && ${wakeCheckpointer(s.database.port, s.database.user)}` : ''),
        ],
        interval: '2s',
        timeout: '5s',
        retries: 30,
        start_period: '5s',
      },
    },
    backend: {
      ...base([s.backend.port]),
      image: imageRef(cfg, 'backend', tag),
      environment: environment(planEnv(cfg, { environment: 'homelab', service: 'backend' })),
      labels: { 'ktrdr.tag': tag },
      volumes: [sharedVolume(cfg)],
      ...healthcheck(cfg),
      depends_on: { db: { condition: 'service_healthy' } },
    },
    prometheus: {
      ...base([CORE_PORTS.prometheus!]),
      image: s.core.services.prometheus?.image,
      volumes: ['prometheus-data:/prometheus', './prometheus.yml:/etc/prometheus/prometheus.yml:ro'],
    },
    grafana: {
      ...base([CORE_PORTS.grafana!]),
      image: s.core.services.grafana?.image,
      // Only when enabled: a config that leaves grafana out need not list its contract variables.
      environment: enabledCoreServices(cfg).includes('grafana')
        ? environment(planEnv(cfg, { environment: 'homelab', service: 'grafana' }), {
            GRAFANA_ADMIN_PASSWORD: 'GF_SECURITY_ADMIN_PASSWORD',
          })
        : [],
      volumes: ['grafana-data:/var/lib/grafana', './grafana/provisioning:/etc/grafana/provisioning:ro'],
    },
    jaeger: { ...base([CORE_PORTS.jaeger!]), image: s.core.services.jaeger?.image },
    'nfs-server': {
      restart: 'unless-stopped',
      image: s.core.services['nfs-server']?.image,
      privileged: true,
      ...(hostMode ? { network_mode: 'host' } : { ports: [`${host.address}:${CORE_PORTS['nfs-server']}:2049`] }),
      // Only the hosts' subnet mounts it, and root on a client is nobody here (root_squash): the workers write
      // as their own user; the core uses the export directly (docs/deploy.md, "Shared storage").
      environment: enabledCoreServices(cfg).includes('nfs-server')
        ? [`NFS_EXPORT_0=/srv/ktrdr-shared ${nfsClients(cfg)}(rw,sync,no_subtree_check,root_squash)`]
        : [],
      volumes: [`${s.shared.export_path}:/srv/ktrdr-shared`],
    },
  }
  const enabled = enabledCoreServices(cfg)
  const services = Object.fromEntries(enabled.map((n) => [n, all[n]!]))
  const compose =
    header(basename(cfg.files.stack), tag) +
    toYaml({ name: projectName(s.core.compose_path), services, volumes: dataVolumes(enabled) })
  const files: ShippedFile[] = []
  if (pitr && enabled.includes('db')) files.push({ name: 'pgbackrest.conf', content: pgbackrestConf(cfg, pitr) })
  if (enabled.includes('prometheus')) files.push({ name: 'prometheus.yml', content: prometheusConfig(cfg) })
  if (enabled.includes('grafana'))
    files.push({ name: 'grafana/provisioning/datasources/prometheus.yml', content: grafanaDatasource(cfg) })
  return { compose, files }
}
