/**
 * The chaos suite's own judgement (src/chaos): the verdict of an order given the platform's record
 * and the API's view, and the relay that plays a platform outage. The suite itself runs as
 * `npm run chaos` (scripts/test.sh runs its quick mode).
 */
import { createServer } from 'node:http';
import { request } from 'undici';
import { judge } from '../../src/chaos/reconcile';
import { Relay } from '../../src/chaos/relay';
import type { OrderView } from '../../src/sandbox';

const platform = (status: 'pending' | 'paid' | 'failed'): OrderView => ({ status }) as OrderView;
const MINUTE = 60_000;

describe('chaos verdicts', () => {
  it('an order the platform paid must have succeeded; failed or still pending is not ok', () => {
    expect(judge('payment', true, platform('paid'), { status: 'succeeded', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('ok');
    expect(judge('payout', true, platform('paid'), { status: 'failed', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, platform('paid'), { status: 'pending', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('unsettled');
  });

  it('no pay-in succeeds and no payout fails or is rejected unless the platform said so', () => {
    expect(judge('payment', true, platform('pending'), { status: 'succeeded', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payment', true, undefined, { status: 'succeeded', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, platform('pending'), { status: 'failed', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, platform('pending'), { status: 'rejected', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('wrong');
    expect(judge('payout', true, undefined, { status: 'rejected', needsAttention: false }, MINUTE, MINUTE).verdict).toBe('ok');
  });

  it('a payout the platform never decided is pending with needsAttention once the attention time passed', () => {
    expect(judge('payout', true, platform('pending'), { status: 'pending', needsAttention: true }, 5 * MINUTE, MINUTE).verdict).toBe('ok');
    expect(judge('payout', true, platform('pending'), { status: 'pending', needsAttention: false }, 5 * MINUTE, MINUTE).verdict).toBe('unsettled');
    expect(judge('payment', true, platform('pending'), { status: 'expired', needsAttention: false }, 5 * MINUTE, MINUTE).verdict).toBe('ok');
  });

  it('an accepted order the API does not know is lost', () => {
    expect(judge('payment', true, undefined, undefined, MINUTE, MINUTE).verdict).toBe('lost');
    expect(judge('payout', false, platform('paid'), undefined, MINUTE, MINUTE).verdict).toBe('lost');
    expect(judge('payout', false, undefined, undefined, MINUTE, MINUTE).verdict).toBe('ok');
  });
});

describe('chaos relay (platform outage)', () => {
  it('passes requests through, refuses connections, then answers HTTP 500, then passes again', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('platform'));
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', () => resolveListen()));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const relay = new Relay(() => [`http://127.0.0.1:${address.port}`]);
    await relay.listen();
    const get = async (): Promise<number | string> => {
      try {
        const answer = await request(`${relay.url}/api/Pay/Create`);
        await answer.body.text();
        return answer.statusCode;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code ?? 'error';
      }
    };
    try {
      expect(await get()).toBe(200);
      await relay.refuse();
      expect(await get()).toBe('ECONNREFUSED');
      await relay.reopen('http500');
      expect(await get()).toBe(500);
      relay.setMode('pass');
      expect(await get()).toBe(200);
    } finally {
      await relay.close();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    }
  });
});
