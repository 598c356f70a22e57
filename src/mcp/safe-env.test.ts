import { describe, expect, it } from 'vitest';
import { childEnvironment } from './safe-env.js';

describe('childEnvironment', () => {
  it('keeps only the safe base of the parent, then the server own variables', () => {
    const env = childEnvironment(
      { PATH: '/bin', HOME: '/home/g', LANG: 'C.UTF-8', GANTRY_MASTER_KEY: 'k', GANTRY_ADMIN_TOKEN: 't', AWS_SECRET_ACCESS_KEY: 'a', NODE_OPTIONS: '--inspect', BASH_FUNC: '() { :; }', TERM: '() { evil; }' },
      { API_TOKEN: 'v', PATH: '/opt/bin' },
    );
    expect(env).toEqual({ PATH: '/opt/bin', HOME: '/home/g', LANG: 'C.UTF-8', API_TOKEN: 'v' });
  });
});
