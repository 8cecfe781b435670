import { describe, expect, it } from 'vitest';
import { type ApiRefusal, explainRefusal, immutableFields } from '../../../src/core/deploy/api-errors.js';
import type { ObjectId } from '../../../src/core/deploy/types.js';

const deployment: ObjectId = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
};
const secret: ObjectId = { group: '', version: 'v1', kind: 'Secret', namespace: 'shop', name: 'db' };
const clusterRole: ObjectId = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  namespace: '',
  name: 'reader',
};

function refusal(overrides: Partial<ApiRefusal>): ApiRefusal {
  return { status: 500, reason: '', message: 'something failed', causes: [], ...overrides };
}

const conflict = (field: string | undefined, message: string | undefined) => ({
  reason: 'FieldManagerConflict',
  ...(message === undefined ? {} : { message }),
  ...(field === undefined ? {} : { field }),
});

describe('a field manager conflict', () => {
  it('speaks of one field in the singular, and names what the server left out', () => {
    const explained = explainRefusal(
      deployment,
      refusal({
        status: 409,
        reason: 'Conflict',
        causes: [conflict(undefined, 'no manager named here'), { reason: 'Other', field: '.spec.paused' }],
      }),
    );
    expect(explained).toEqual({
      code: 'E_APPLY_CONFLICT',
      message:
        'Deployment.apps shop/web: a field is managed by another tool: (unknown field) (owned by another manager)',
      hint: expect.stringContaining('--force-conflicts'),
    });
  });

  it('is only a conflict on 409 with FieldManagerConflict causes', () => {
    const noCauses = explainRefusal(
      deployment,
      refusal({ status: 409, reason: 'Conflict', message: 'busy' }),
    );
    expect(noCauses).toMatchObject({ code: 'E_KUBE_CONFLICT', message: 'Deployment.apps shop/web: busy' });
    const not409 = explainRefusal(
      deployment,
      refusal({
        status: 500,
        reason: 'InternalError',
        causes: [conflict('.spec.replicas', 'conflict with "x"')],
      }),
    );
    expect(not409.code).toBe('E_KUBE_INTERNALERROR');
  });
});

describe('an immutable field', () => {
  it('is recognised in the wordings the API server uses, on 422 only', () => {
    const causes = [
      { message: 'field is immutable', field: 'spec.selector' },
      { message: 'Invalid value: "10.0.0.1": may not change once set', field: 'spec.clusterIP' },
      { message: 'spec.template: cannot be changed' },
      { message: 'Required value', field: 'spec.name' },
      {},
    ];
    expect(immutableFields(refusal({ status: 422, causes }))).toEqual([
      'spec.selector',
      'spec.clusterIP',
      '(unknown field)',
    ]);
    expect(immutableFields(refusal({ status: 409, causes }))).toEqual([]);
  });

  it('says how to recreate a cluster-scoped object, without a namespace flag', () => {
    const explained = explainRefusal(
      clusterRole,
      refusal({
        status: 422,
        reason: 'Invalid',
        causes: [{ message: 'field is immutable', field: 'rules' }],
      }),
    );
    expect(explained).toEqual({
      code: 'E_APPLY_IMMUTABLE',
      message: 'ClusterRole.rbac.authorization.k8s.io reader: rules cannot be changed on an existing object',
      hint: 'Recreate it (kubectl delete clusterrole/reader, then deploy again), or give the new version another name.',
    });
    const namespaced = explainRefusal(
      deployment,
      refusal({ status: 422, causes: [{ message: 'field is immutable', field: 'spec.selector' }] }),
    );
    expect(namespaced.hint).toContain('kubectl delete deployment/web -n shop,');
  });
});

describe('other refusals', () => {
  it.each([422, 400])('%i is an invalid manifest, with the server message', (status) => {
    expect(
      explainRefusal(
        deployment,
        refusal({ status, reason: 'Invalid', message: 'spec.replicas: must be >= 0' }),
      ),
    ).toEqual({
      code: 'E_APPLY_INVALID',
      message: 'Deployment.apps shop/web: the API server rejected it: spec.replicas: must be >= 0',
      hint: 'Fix the manifest; nothing of this stage was applied.',
    });
  });

  it('403 asks for RBAC rights', () => {
    expect(
      explainRefusal(
        deployment,
        refusal({ status: 403, reason: 'Forbidden', message: 'cannot patch deployments' }),
      ),
    ).toEqual({
      code: 'E_KUBE_FORBIDDEN',
      message: 'Deployment.apps shop/web: cannot patch deployments',
      hint: 'Grant the deploying identity RBAC rights for this kind.',
    });
  });

  it('anything else is named by its reason, or its status when there is none', () => {
    expect(explainRefusal(deployment, refusal({ status: 504, reason: 'Timeout', message: 'slow' }))).toEqual({
      code: 'E_KUBE_TIMEOUT',
      message: 'Deployment.apps shop/web: slow',
      hint: 'See the message above; rerun with --verbose for each request.',
    });
    expect(explainRefusal(deployment, refusal({ status: 502, reason: '' })).code).toBe('E_KUBE_502');
  });
});

describe('a refused Secret', () => {
  const quoted = 'Secret "db" is invalid: data[password]: Invalid value: "hunter2-s3cret": too long';

  it('never shows the values the server quotes, only the fields', () => {
    const explained = explainRefusal(
      secret,
      refusal({
        status: 422,
        reason: 'Invalid',
        message: quoted,
        causes: [{ message: 'Invalid value: "hunter2-s3cret"', field: 'data[password]' }, { message: 'x' }],
      }),
    );
    expect(explained.message).toBe(
      'Secret shop/db: the API server rejected it: invalid data[password] (values hidden)',
    );
    expect(JSON.stringify(explained)).not.toContain('hunter2');
  });

  it('without fields, says only the reason', () => {
    expect(
      explainRefusal(secret, refusal({ status: 400, reason: 'BadRequest', message: quoted })).message,
    ).toBe('Secret shop/db: the API server rejected it: BadRequest (values hidden)');
    expect(explainRefusal(secret, refusal({ status: 403, reason: '', message: quoted })).message).toBe(
      'Secret shop/db: invalid (values hidden)',
    );
  });

  it('other kinds keep the message as the server wrote it', () => {
    const configMap = { ...secret, kind: 'ConfigMap' };
    expect(
      explainRefusal(
        configMap,
        refusal({ status: 422, message: 'bad value "x"', causes: [{ field: 'data' }] }),
      ).message,
    ).toBe('ConfigMap shop/db: the API server rejected it: bad value "x"');
  });
});
