/**
 * The helm binary: found, version-checked, and run with argument arrays built by
 * src/core/deploy/helm-args.ts. Every run is bounded; kubeconfig and context are passed by name,
 * credentials never appear on helm's command line.
 */
import { HelmError } from '../errors.js';
import {
  dryRunArgs,
  type HelmFeatures,
  type HelmRelease,
  type HelmRevision,
  type HelmTarget,
  type HelmUpgrade,
  type HelmVersion,
  helmFeatures,
  historyArgs,
  isReleaseNotFound,
  manifestArgs,
  parseHelmVersion,
  parseHistory,
  parseRelease,
  upgradeArgs,
} from '../core/deploy/helm-args.js';
import { type ExecResult, exec } from './exec.js';

/** Quick helm calls (version, history, get manifest) that only read. */
const QUERY_TIMEOUT_MS = 60_000;
/** Time helm gets beyond its own --timeout to report, clean up and exit before it is killed. */
const KILL_MARGIN_MS = 60_000;

export interface HelmRun extends ExecResult {
  args: string[];
  /** How long helm was given before being killed. */
  limitMs: number;
}

export class Helm {
  private constructor(
    readonly bin: string,
    readonly version: HelmVersion,
    readonly features: HelmFeatures,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `--helm-bin`, else KPUSH_HELM_BIN, else `helm` on PATH; helm 3 or newer. */
  static async locate(options: { helmBin?: string | undefined; env: NodeJS.ProcessEnv }): Promise<Helm> {
    const [bin, lookedFor] = options.helmBin
      ? [options.helmBin, `--helm-bin ${options.helmBin}`]
      : options.env.KPUSH_HELM_BIN
        ? [options.env.KPUSH_HELM_BIN, `KPUSH_HELM_BIN=${options.env.KPUSH_HELM_BIN}`]
        : ['helm', 'helm on PATH'];
    const result = await exec(bin, ['version', '--template', '{{.Version}}'], {
      env: options.env,
      timeoutMs: QUERY_TIMEOUT_MS,
    }).catch((error: NodeJS.ErrnoException) => {
      throw new HelmError(
        'E_HELM_NOT_FOUND',
        `cannot run helm: looked for ${lookedFor} (${error.code ?? error.message})`,
        'Install helm 3 or 4 (https://helm.sh/docs/intro/install/), or point --helm-bin or KPUSH_HELM_BIN at it.',
        { lookedFor },
      );
    });
    const version = result.exitCode === 0 ? parseHelmVersion(result.stdout) : null;
    if (!version) {
      const said = (result.stdout + result.stderr).trim().split('\n')[0] || `exit ${result.exitCode}`;
      throw new HelmError(
        'E_HELM_VERSION',
        `${bin} (${lookedFor}) did not report a helm version: ${said}`,
        'Check that it is helm 3 or 4: `helm version` should print v3.x or v4.x.',
        { lookedFor },
      );
    }
    if (version.major < 3) {
      throw new HelmError(
        'E_HELM_VERSION',
        `${bin} is helm ${version.text}; kpush needs helm 3 or newer`,
        'Install helm 3 or 4, or point --helm-bin or KPUSH_HELM_BIN at it.',
        { lookedFor, version: version.text },
      );
    }
    return new Helm(bin, version, helmFeatures(version), options.env);
  }

  /** The release's revisions, oldest first; null when it was never installed. */
  async history(release: string, target: HelmTarget): Promise<HelmRevision[] | null> {
    const result = await this.run(historyArgs(release, target), QUERY_TIMEOUT_MS);
    if (result.exitCode !== 0) {
      if (isReleaseNotFound(result.stderr)) return null;
      throw this.failure(result, 'read the release history');
    }
    return parseHistory(result.stdout);
  }

  /** The manifest of the release's current revision ('' when there is none). */
  async manifest(release: string, target: HelmTarget): Promise<string> {
    const result = await this.run(manifestArgs(release, target), QUERY_TIMEOUT_MS);
    if (result.exitCode !== 0) {
      if (isReleaseNotFound(result.stderr)) return '';
      throw this.failure(result, 'read the release manifest');
    }
    return result.stdout;
  }

  /** `helm upgrade --install --dry-run=server`: the release helm would write, nothing changed. */
  async dryRun(upgrade: HelmUpgrade, target: HelmTarget): Promise<{ release: HelmRelease; stderr: string }> {
    const result = await this.run(
      dryRunArgs(upgrade, this.features, target),
      upgrade.timeoutMs + KILL_MARGIN_MS,
    );
    if (result.exitCode !== 0) throw this.failure(result, 'render the chart (dry run)');
    return { release: parseRelease(result.stdout), stderr: result.stderr };
  }

  /**
   * The real `helm upgrade --install`. Not thrown on failure: the caller reads helm's output and
   * the release history to explain it. With --wait helm may wait out --timeout twice (the upgrade,
   * then the rollback it triggers), so it is killed only after both and a margin.
   */
  async upgrade(upgrade: HelmUpgrade, target: HelmTarget): Promise<HelmRun> {
    const args = upgradeArgs(upgrade, this.features, target);
    const limitMs = upgrade.timeoutMs * (upgrade.wait ? 2 : 1) + KILL_MARGIN_MS;
    return { ...(await this.run(args, limitMs)), args, limitMs };
  }

  private run(args: string[], timeoutMs: number): Promise<ExecResult> {
    return exec(this.bin, args, { env: this.env, timeoutMs });
  }

  private failure(result: ExecResult, what: string): HelmError {
    if (result.timedOut) {
      return new HelmError(
        'E_HELM_KILLED',
        `helm did not ${what} in time and was stopped`,
        'Check that the cluster and chart repository are reachable.',
      );
    }
    const said = result.stderr.trim() || result.stdout.trim() || `exit ${result.exitCode}`;
    return new HelmError(
      'E_HELM_FAILED',
      `helm could not ${what}: ${said.replace(/^Error: /, '')}`,
      'Run the same helm command locally (--verbose shows it) to reproduce.',
      {
        helmStderr: result.stderr,
      },
    );
  }
}
