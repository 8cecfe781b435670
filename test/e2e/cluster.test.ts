// Acceptance tests for the test cluster itself (test/cluster): real kube-apiserver,
// kube-controller-manager and etcd, with the node simulator in place of kubelets.
// kubectl and helm are the real binaries and serve as independent observers.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createNamespace, deleteNamespace, helm, kubectl, kubectlJson, waitFor } from '../support/kube.js';

interface Condition {
  type: string;
  status: string;
  reason?: string;
}
interface Deployment {
  metadata: { generation: number };
  status: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: Condition[];
  };
}
interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: {
    running?: object;
    waiting?: { reason?: string };
    terminated?: { exitCode: number; reason?: string };
  };
}
interface Pod {
  metadata: { name: string };
  spec: { nodeName?: string };
  status: { phase: string; podIP?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
}
interface List<T> {
  items: T[];
}

function deployment(name: string, image: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] },
      },
    },
  });
}

function isAvailable(d: Deployment, replicas: number): boolean {
  const available = d.status.conditions?.find((c) => c.type === 'Available');
  return (
    d.status.observedGeneration === d.metadata.generation &&
    d.status.updatedReplicas === replicas &&
    d.status.availableReplicas === replicas &&
    d.status.replicas === replicas &&
    available?.status === 'True'
  );
}

describe('test cluster', () => {
  const namespaces: string[] = [];
  const ns = async (prefix: string): Promise<string> => {
    const name = await createNamespace(prefix);
    namespaces.push(name);
    return name;
  };

  afterAll(async () => {
    await Promise.all(namespaces.map((n) => deleteNamespace(n)));
  });

  it('provides a kubeconfig and real tool binaries', async () => {
    expect(inject('kubeconfig')).toBe(process.env.KPUSH_TEST_KUBECONFIG);
    expect(inject('kubectlBin')).toMatch(/kubectl$/);
    expect(inject('helmBin')).toMatch(/helm$/);
    const version = await kubectlJson<{ serverVersion: { gitVersion: string } }>(['version']);
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    const readyz = await kubectl(['get', '--raw', '/readyz']);
    expect(readyz.stdout.trim()).toBe('ok');
    const nodes = await kubectlJson<List<{ status: { conditions: Condition[] } }>>(['get', 'nodes']);
    expect(nodes.items).toHaveLength(1);
    expect(nodes.items[0]?.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('rolls out a Deployment with 2 replicas to Available', async () => {
    const n = await ns('e2e-deploy');
    await kubectl(['apply', '-n', n, '-f', '-'], { input: deployment('web', 'nginx:1.27', 2) });
    const d = await waitFor(
      async () => {
        const d = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', n]);
        return isAvailable(d, 2) ? d : undefined;
      },
      60_000,
      { description: 'deployment web to become Available' },
    );
    expect(d.status.updatedReplicas).toBe(2);
    await kubectl(['rollout', 'status', 'deployment/web', '-n', n, '--timeout=30s']);

    const pods = await kubectlJson<List<Pod>>(['get', 'pods', '-n', n, '-l', 'app=web']);
    expect(pods.items).toHaveLength(2);
    for (const p of pods.items) {
      expect(p.status.phase).toBe('Running');
      expect(p.spec.nodeName).toBeTruthy();
      expect(p.status.podIP).toMatch(/^10\.244\./);
      expect(p.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(p.status.containerStatuses?.[0]?.state.running).toBeDefined();
    }

    // A rolling update replaces the pods; the garbage collector removes old ones on delete.
    await kubectl(['set', 'image', 'deployment/web', 'app=nginx:1.28', '-n', n]);
    await kubectl(['rollout', 'status', 'deployment/web', '-n', n, '--timeout=60s']);
    const after = await kubectlJson<Deployment>(['get', 'deployment', 'web', '-n', n]);
    expect(after.metadata.generation).toBe(2);
    expect(isAvailable(after, 2)).toBe(true);
    await kubectl(['delete', 'deployment', 'web', '-n', n, '--wait=true', '--timeout=60s']);
    await waitFor(
      async () => {
        const rs = await kubectlJson<List<unknown>>(['get', 'replicasets', '-n', n]);
        const pods = await kubectlJson<List<unknown>>(['get', 'pods', '-n', n]);
        return rs.items.length === 0 && pods.items.length === 0;
      },
      60_000,
      { description: 'garbage collection of replicasets and pods' },
    );
  });

  /** A one-shot Job named `migrate` running `image`, never retried. */
  async function applyJob(namespace: string, image: string): Promise<void> {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      spec: {
        backoffLimit: 0,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image }] } },
      },
    };
    await kubectl(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify(job) });
  }

  it('runs a Job to completion', async () => {
    const n = await ns('e2e-job');
    await applyJob(n, 'busybox:1.36');
    await kubectl(['wait', '--for=condition=complete', 'job/migrate', '-n', n, '--timeout=60s']);
    const status = await kubectlJson<{ status: { succeeded?: number } }>(['get', 'job', 'migrate', '-n', n]);
    expect(status.status.succeeded).toBe(1);
    const pods = await kubectlJson<List<Pod>>(['get', 'pods', '-n', n, '-l', 'job-name=migrate']);
    expect(pods.items[0]?.status.phase).toBe('Succeeded');
    expect(pods.items[0]?.status.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(0);
  });

  it('fails a Job whose image is broken', async () => {
    const n = await ns('e2e-jobfail');
    await applyJob(n, 'busybox:1.36-broken');
    await kubectl(['wait', '--for=condition=failed', 'job/migrate', '-n', n, '--timeout=60s']);
  });

  it('crash-loops a Deployment whose image tag ends in -broken, which never becomes available', async () => {
    const n = await ns('e2e-broken');
    await kubectl(['apply', '-n', n, '-f', '-'], {
      input: deployment('api', 'registry.example.com/team/api:x-broken', 1),
    });
    const pod = await waitFor(
      async () => {
        const pods = await kubectlJson<List<Pod>>(['get', 'pods', '-n', n, '-l', 'app=api']);
        return pods.items.find((p) =>
          p.status.containerStatuses?.some((c) => c.state.waiting?.reason === 'CrashLoopBackOff'),
        );
      },
      60_000,
      { description: 'a CrashLoopBackOff pod' },
    );
    const cs = pod.status.containerStatuses?.[0];
    expect(cs?.ready).toBe(false);
    expect(cs?.restartCount).toBeGreaterThanOrEqual(1);
    expect(pod.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');

    const rollout = await kubectl(['rollout', 'status', 'deployment/api', '-n', n, '--timeout=8s'], {
      allowFailure: true,
    });
    expect(rollout.code).not.toBe(0);
    const d = await kubectlJson<Deployment>(['get', 'deployment', 'api', '-n', n]);
    expect(d.status.availableReplicas ?? 0).toBe(0);
    expect(d.status.unavailableReplicas).toBe(1);
    expect(d.status.conditions?.find((c) => c.type === 'Available')?.status).toBe('False');

    // Restarts keep increasing, like a kubelet's crash loop.
    await waitFor(
      async () => {
        const p = await kubectlJson<Pod>(['get', 'pod', pod.metadata.name, '-n', n]);
        return (p.status.containerStatuses?.[0]?.restartCount ?? 0) > (cs?.restartCount ?? 0);
      },
      30_000,
      { description: 'restartCount to increase' },
    );
    const events = await kubectl(['get', 'events', '-n', n, '--field-selector', 'reason=BackOff']);
    expect(events.stdout).toContain('Back-off restarting failed container');
  });

  it('simulates -notready, -unschedulable and broken init containers', async () => {
    const n = await ns('e2e-modes');
    const initBroken = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'init-broken' },
      spec: {
        initContainers: [{ name: 'migrate', image: 'tools:2-broken' }],
        containers: [{ name: 'app', image: 'app:1' }],
      },
    };
    await kubectl(['apply', '-n', n, '-f', '-'], {
      input: [
        deployment('notready', 'app:1-notready', 1),
        deployment('pending', 'app:1-unschedulable', 1),
        JSON.stringify(initBroken),
      ].join('\n---\n'),
    });
    const pods = await waitFor(
      async () => {
        const list = await kubectlJson<List<Pod & { status: { initContainerStatuses?: ContainerStatus[] } }>>(
          ['get', 'pods', '-n', n],
        );
        const find = (prefix: string) => list.items.find((p) => p.metadata.name.startsWith(prefix));
        const notReady = find('notready-');
        const pending = find('pending-');
        const init = find('init-broken');
        const ok =
          notReady?.status.phase === 'Running' &&
          notReady.status.containerStatuses?.[0]?.state.running &&
          pending?.status.conditions?.some(
            (c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable',
          ) &&
          init?.status.initContainerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff';
        return ok ? { notReady, pending, init } : undefined;
      },
      60_000,
      { description: 'pods in their simulated states' },
    );
    expect(pods.notReady?.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(pods.pending?.status.phase).toBe('Pending');
    expect(pods.pending?.spec.nodeName).toBeFalsy();
    expect(pods.init?.status.phase).toBe('Pending');
    const table = await kubectl(['get', 'pod', 'init-broken', '-n', n]);
    expect(table.stdout).toContain('Init:CrashLoopBackOff');
  });

  it('runs StatefulSets with volumes and DaemonSets', async () => {
    const n = await ns('e2e-sts');
    const sts = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 2,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: {
            containers: [
              {
                name: 'db',
                image: 'postgres:17',
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/pg' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    };
    const ds = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'a', image: 'agent:1' }] },
        },
      },
    };
    await kubectl(['apply', '-n', n, '-f', '-'], {
      input: `${JSON.stringify(sts)}\n---\n${JSON.stringify(ds)}`,
    });
    await kubectl(['rollout', 'status', 'statefulset/db', '-n', n, '--timeout=90s']);
    await kubectl(['rollout', 'status', 'daemonset/agent', '-n', n, '--timeout=60s']);
    const pvcs = await kubectlJson<List<{ status: { phase: string } }>>(['get', 'pvc', '-n', n]);
    expect(pvcs.items.map((p) => p.status.phase)).toEqual(['Bound', 'Bound']);
  });

  describe('helm', () => {
    let chartDir = '';
    beforeAll(async () => {
      chartDir = await mkdtemp(join(tmpdir(), 'kpush-chart-'));
      await mkdir(join(chartDir, 'templates'));
      await writeFile(
        join(chartDir, 'Chart.yaml'),
        'apiVersion: v2\nname: tiny\nversion: 0.1.0\nappVersion: "1.0.0"\ntype: application\n',
      );
      await writeFile(join(chartDir, 'values.yaml'), 'image: nginx:1.27\nreplicas: 2\ngreeting: hello\n');
      await writeFile(
        join(chartDir, 'templates', 'deployment.yaml'),
        [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata:',
          '  name: {{ .Release.Name }}-web',
          '  labels: { app: "{{ .Release.Name }}-web" }',
          'spec:',
          '  replicas: {{ .Values.replicas }}',
          '  selector:',
          '    matchLabels: { app: "{{ .Release.Name }}-web" }',
          '  template:',
          '    metadata:',
          '      labels: { app: "{{ .Release.Name }}-web" }',
          '    spec:',
          '      containers:',
          '        - name: web',
          '          image: {{ .Values.image | quote }}',
          '---',
          'apiVersion: v1',
          'kind: ConfigMap',
          'metadata:',
          '  name: {{ .Release.Name }}-config',
          'data:',
          '  greeting: {{ .Values.greeting | quote }}',
          '---',
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          '  name: {{ .Release.Name }}-web',
          'spec:',
          '  selector: { app: "{{ .Release.Name }}-web" }',
          '  ports: [{ port: 80, targetPort: 8080 }]',
          '',
        ].join('\n'),
      );
    });
    afterAll(async () => {
      if (chartDir) await rm(chartDir, { recursive: true, force: true });
    });

    it('runs `helm version`', async () => {
      const r = await helm(['version', '--short']);
      expect(r.stdout).toMatch(/^v\d+\.\d+\.\d+/);
    });

    it('installs and upgrades a local chart with helm upgrade --install --wait', async () => {
      const n = await ns('e2e-helm');
      const install = await helm([
        'upgrade',
        '--install',
        'demo',
        chartDir,
        '--namespace',
        n,
        '--wait',
        '--timeout',
        '2m',
      ]);
      expect(install.stdout).toContain('STATUS: deployed');
      const d = await kubectlJson<Deployment>(['get', 'deployment', 'demo-web', '-n', n]);
      expect(isAvailable(d, 2)).toBe(true);
      const cm = await kubectlJson<{ data: Record<string, string> }>([
        'get',
        'configmap',
        'demo-config',
        '-n',
        n,
      ]);
      expect(cm.data.greeting).toBe('hello');

      await helm([
        'upgrade',
        '--install',
        'demo',
        chartDir,
        '-n',
        n,
        '--set',
        'greeting=bye',
        '--wait',
        '--timeout',
        '2m',
      ]);
      const list = await helm(['list', '-n', n, '-o', 'json']);
      const releases = JSON.parse(list.stdout) as { name: string; revision: string; status: string }[];
      expect(releases).toEqual([
        expect.objectContaining({ name: 'demo', revision: '2', status: 'deployed' }),
      ]);
      const cm2 = await kubectlJson<{ data: Record<string, string> }>([
        'get',
        'configmap',
        'demo-config',
        '-n',
        n,
      ]);
      expect(cm2.data.greeting).toBe('bye');
    });
  });

  it('finalizes deleted namespaces', async () => {
    const n = await createNamespace('e2e-nsdel');
    await kubectl(['apply', '-n', n, '-f', '-'], { input: deployment('x', 'nginx:1.27', 1) });
    await kubectl(['rollout', 'status', 'deployment/x', '-n', n, '--timeout=60s']);
    await kubectl(['delete', 'namespace', n, '--wait=true', '--timeout=90s']);
    const r = await kubectl(['get', 'namespace', n], { allowFailure: true });
    expect(r.stderr).toContain('NotFound');
  });
});
