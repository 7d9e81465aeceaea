/**
 * Bull Board at /admin/queues: every lane queue (and any other queue given), behind admin credentials.
 * Every route under it — pages, static assets, its JSON API — answers 401 without them; browsers get a
 * Basic challenge. `readOnly` hides retry, clean, promote and remove actions.
 */
import type { FastifyInstance } from 'fastify';
import type { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { isAdmin } from '../admin/admin-auth.js';

export const BOARD_PATH = '/admin/queues';

export async function registerQueueBoard(app: FastifyInstance, opts: { queues: readonly Queue[]; adminToken: string; readOnly: boolean }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly, allowRetries: !opts.readOnly })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Basket lanes' } },
  });
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      if (isAdmin(req, opts.adminToken)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="basket admin", charset="UTF-8"')
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'unauthorized', status: 401, detail: 'Admin credentials are required.', code: 'unauthorized' });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BOARD_PATH });
  });
}
