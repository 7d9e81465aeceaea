/**
 * `npm run token -- --sub ID [--role agent] [--guest GUEST_ID]`: prints a signed customer (or agent) JWT
 * for JWT_SECRET. `--guest` names the guest the customer signed in from (`guest_sub`, for a basket merge).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { TokenService, tokenPolicy } from '../auth/tokens.js';

const { values } = parseArgs({
  options: { sub: { type: 'string' }, role: { type: 'string', default: 'customer' }, ttl: { type: 'string' }, guest: { type: 'string' } },
  strict: true,
});
const role = values.role;
if (!values.sub || (role !== 'customer' && role !== 'agent')) {
  process.stderr.write('usage: npm run token -- --sub CUSTOMER_ID [--role customer|agent] [--ttl SECONDS] [--guest GUEST_ID]\n');
  process.exit(2);
}
const config = loadConfig();
const ttl = values.ttl ? Number(values.ttl) : config.JWT_TTL_SECONDS;
if (!Number.isInteger(ttl) || ttl < 1 || ttl > config.JWT_MAX_LIFETIME_SECONDS) {
  process.stderr.write('--ttl must be a positive whole number of seconds, at most JWT_MAX_LIFETIME_SECONDS\n');
  process.exit(2);
}
process.stdout.write(`${new TokenService(config.JWT_SECRET, ttl, tokenPolicy(config)).sign(values.sub, role, values.guest)}\n`);
