import { describe, expect, it } from 'vitest';
import {
  commitMessage,
  MESSAGE_FIELDS,
  unknownMessageFields,
} from '../../../src/core/bump/commit-message.js';
import type { Change } from '../../../src/core/bump/plan.js';
import { detectCi } from '../../../src/core/ci-env.js';
import { parseImageReference } from '../../../src/core/image-ref.js';

const DIGEST = `sha256:${'0123456789ab'.repeat(5)}0123`;
const NO_CI = detectCi({});
const GITHUB = detectCi({
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/api',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_RUN_ID: '99',
  GITHUB_ACTOR: 'octocat',
});

const change = (file: string, old: string, next: string): Change => ({
  file,
  line: 3,
  kind: 'image',
  repository: 'ghcr.io/acme/api',
  old,
  new: next,
});

describe('unknownMessageFields', () => {
  it('lists the placeholders kpush does not fill, in order, spaces allowed inside the braces', () => {
    expect(unknownMessageFields('{{summary}} {{ foo }} {{Bar}}\n{{changes}} {{actor}} {{ images }}')).toEqual(
      ['foo', 'Bar'],
    );
    expect(unknownMessageFields(MESSAGE_FIELDS.map((field) => `{{${field}}}`).join(' '))).toEqual([]);
    expect(unknownMessageFields('no placeholders, {single} or {{with-dash}}')).toEqual([]);
  });
});

describe('commitMessage', () => {
  it('names every image and change, and only the trailers that have a value', () => {
    const targets = [parseImageReference('ghcr.io/acme/api:2.0'), parseImageReference('nginx:1.27')];
    const changes = [
      change('a.yaml', 'ghcr.io/acme/api:1.0', 'ghcr.io/acme/api:2.0'),
      { ...change('b.yaml', '1.26', '1.27'), repository: 'docker.io/library/nginx' },
    ];
    expect(commitMessage({ targets, changes, ci: NO_CI })).toBe(
      [
        'deploy: bump ghcr.io/acme/api to 2.0, nginx to 1.27',
        '',
        '- a.yaml:3 ghcr.io/acme/api:1.0 -> ghcr.io/acme/api:2.0',
        '- b.yaml:3 docker.io/library/nginx 1.26 -> 1.27',
        '',
        'Kpush-Image: ghcr.io/acme/api:2.0',
        'Kpush-Image: nginx:1.27',
        '',
      ].join('\n'),
    );
  });

  it('shortens digests in the subject and keeps them whole in the trailers', () => {
    const targets = [
      parseImageReference(`ghcr.io/acme/api:2.0@${DIGEST}`),
      parseImageReference(`ghcr.io/acme/web@${DIGEST}`),
    ];
    const message = commitMessage({ targets, changes: [], ci: NO_CI });
    expect(message).toBe(
      [
        'deploy: bump ghcr.io/acme/api to 2.0@sha256:0123456789ab, ghcr.io/acme/web to sha256:0123456789ab',
        '',
        `Kpush-Image: ghcr.io/acme/api:2.0@${DIGEST}`,
        `Kpush-Image: ghcr.io/acme/web@${DIGEST}`,
        '',
      ].join('\n'),
    );
  });

  it('lists the images as references', () => {
    const targets = [
      parseImageReference('ghcr.io/acme/api:2.0'),
      parseImageReference(`nginx:1.27@${DIGEST}`),
      parseImageReference(`ghcr.io/acme/web@${DIGEST}`),
    ];
    expect(commitMessage({ targets, changes: [], ci: NO_CI }, '{{images}}').split('\n')[0]).toBe(
      'ghcr.io/acme/api:2.0, nginx:1.27@sha256:0123456789ab, ghcr.io/acme/web@sha256:0123456789ab',
    );
  });

  it('fills CI fields with their values, or nothing outside CI, and leaves unknown placeholders', () => {
    const template = '[{{sourceRepo}}|{{sourceCommit}}|{{runUrl}}|{{actor}}|{{nope}}]';
    expect(commitMessage({ targets: [], changes: [], ci: NO_CI }, template)).toBe('[||||{{nope}}]\n');
    expect(commitMessage({ targets: [], changes: [], ci: GITHUB }, template).split('\n')[0]).toBe(
      `[acme/api|${'a'.repeat(40)}|https://github.com/acme/api/actions/runs/99|octocat|{{nope}}]`,
    );
  });

  it('keeps leading white space of a template and drops the trailing', () => {
    expect(commitMessage({ targets: [], changes: [], ci: NO_CI }, '  indented {{ actor }}  \n\n')).toBe(
      '  indented\n',
    );
    expect(commitMessage({ targets: [], changes: [], ci: GITHUB }, '  hi {{actor}}\n\n')).toBe(
      [
        '  hi octocat',
        '',
        'Kpush-Source-Repo: https://github.com/acme/api',
        `Kpush-Source-Commit: ${'a'.repeat(40)}`,
        'Kpush-CI-Run: https://github.com/acme/api/actions/runs/99',
        'Kpush-Actor: octocat',
        '',
      ].join('\n'),
    );
  });

  it('writes the source time to the second, or to the millisecond when it has them', () => {
    const message = (sourceTime: Date) =>
      commitMessage({ targets: [], changes: [], ci: NO_CI, sourceTime }, 'x');
    expect(message(new Date('2026-11-24T09:30:00Z'))).toBe('x\n\nKpush-Source-Time: 2026-11-24T09:30:00Z\n');
    expect(message(new Date('2026-11-24T09:30:00.120Z'))).toBe(
      'x\n\nKpush-Source-Time: 2026-11-24T09:30:00.120Z\n',
    );
  });
});
