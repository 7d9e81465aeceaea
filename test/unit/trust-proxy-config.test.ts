/** TRUST_PROXY: which proxies' X-Forwarded-For names the client (blank: none); bad values refuse to start. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('TRUST_PROXY', () => {
  it('is off by default and when blank or false', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
  });

  it('takes true, a hop count, or proxy addresses and CIDR ranges (IPv4 and IPv6)', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
  });

  it('refuses anything else, naming the bad entry', () => {
    for (const bad of ['yes', 'proxy.internal', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '10.0.0.1,,10.0.0.2', '300']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });
});
