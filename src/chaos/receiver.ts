/**
 * The merchant's notification endpoint during a chaos run: verifies each signed event, counts every
 * delivery by event id, and de-duplicates as a merchant should — so the report can tell "delivered
 * at least once, with one stable id per event" from "seen twice as two events".
 */
import { createServer, type Server } from 'node:http';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyNotification } from '../notify/signature';

export interface ReceivedEvent {
  id: string;
  type: string;
  mrn: string;
  deliveries: number;
}

export class NotificationReceiver {
  private readonly server: Server;
  /** Event id → the event and how many times it came. */
  readonly events = new Map<string, ReceivedEvent>();
  /** "mrn type" → the distinct event ids seen for it (more than one is an unstable id). */
  readonly idsByOrderEvent = new Map<string, Set<string>>();
  badSignatures = 0;
  port = 0;

  constructor(private readonly secret: () => string) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const signature = req.headers[SIGNATURE_HEADER];
        const check = verifyNotification(typeof signature === 'string' ? signature : undefined, raw, this.secret(), Math.floor(Date.now() / 1000));
        if (!check.ok) {
          this.badSignatures += 1;
          res.writeHead(400).end(check.reason);
          return;
        }
        let event: { id?: unknown; type?: unknown; mrn?: unknown };
        try {
          event = JSON.parse(raw) as typeof event;
        } catch {
          res.writeHead(400).end('not JSON');
          return;
        }
        const header = req.headers[EVENT_ID_HEADER];
        const id = typeof event.id === 'string' ? event.id : typeof header === 'string' ? header : '';
        const type = String(event.type);
        const mrn = String(event.mrn);
        const seen = this.events.get(id);
        if (seen === undefined) this.events.set(id, { id, type, mrn, deliveries: 1 });
        else seen.deliveries += 1;
        const key = `${mrn} ${type}`;
        const ids = this.idsByOrderEvent.get(key) ?? new Set<string>();
        ids.add(id);
        this.idsByOrderEvent.set(key, ids);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/notify`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolveListen) => this.server.listen(0, '127.0.0.1', () => resolveListen()));
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('receiver not on TCP');
    this.port = address.port;
  }

  /** The events a de-duplicating merchant processed for this order: one per distinct id. */
  eventsOf(mrn: string): ReceivedEvent[] {
    return [...this.events.values()].filter((event) => event.mrn === mrn);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
    this.server.closeAllConnections();
    await closed;
  }
}
