import { KubeClient } from '../adapters/kube.js';
import { readRecords } from '../adapters/deploy-records.js';
import { historyLines } from '../core/deploy/record.js';
import type { CommandContext } from './context.js';

export interface HistoryOptions {
  app: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

/** `kpush history --app shop`: the deploy records kept in the cluster, newest first. */
export async function historyCommand(options: HistoryOptions, context: CommandContext): Promise<void> {
  const { reporter } = context;
  const client = await KubeClient.connect({
    kubeconfig: options.kubeconfig,
    context: options.context,
    env: context.env,
    redact: (secret) => reporter.redactor.add(secret),
  });
  try {
    // Without --namespace, look everywhere: the app's records sit wherever its objects went.
    const namespace = options.namespace ?? '';
    const records = await readRecords(client, options.app, namespace);
    if (context.globals.json)
      return reporter.json({ app: options.app, cluster: client.target.server, records });
    if (records.length === 0) {
      const where = namespace ? `namespace ${namespace}` : 'any namespace';
      reporter.info(`no deploys of ${options.app} recorded in ${where} on ${client.target.context}`);
      return;
    }
    for (const line of historyLines(records)) reporter.result(line);
  } finally {
    client.close();
  }
}
