import { describe, expect, it } from 'vitest';
import { createLiveInstances } from './live-instances.js';

interface Pool {
  readonly key: string;
  closed: boolean;
}

function setUp(failClose = false) {
  const errors: string[] = [];
  const instances = createLiveInstances<Pool>(
    async (p) => {
      p.closed = true;
      if (failClose) throw new Error(`cannot close ${p.key}`);
    },
    (err, p) => errors.push(`${p.key}: ${(err as Error).message}`),
  );
  const get = (key: string) => instances.get(key, () => ({ key, closed: false }));
  return { instances, get, errors };
}

describe('live instances', () => {
  it('reuses an instance while its key is asked for, and the sweep closes only those the last compile did not ask for', async () => {
    const { instances, get } = setUp();
    const a = get('a');
    const b = get('b');
    instances.sweep();
    expect(get('a')).toBe(a);
    instances.sweep();
    expect(b.closed).toBe(true);
    expect(a.closed).toBe(false);
    expect([...instances.values()]).toEqual([a]);
    expect(get('b')).not.toBe(b);
    await instances.closeAll();
    expect([...instances.values()]).toEqual([]);
    expect(a.closed).toBe(true);
  });

  it('a create that throws leaves nothing behind, and a failed close is reported', async () => {
    const { instances, get, errors } = setUp(true);
    expect(() =>
      instances.get('bad', () => {
        throw new Error('no');
      }),
    ).toThrow('no');
    expect([...instances.values()]).toEqual([]);
    get('a');
    instances.sweep();
    instances.sweep();
    await new Promise((r) => setImmediate(r));
    expect(errors).toEqual(['a: cannot close a']);
  });
});
