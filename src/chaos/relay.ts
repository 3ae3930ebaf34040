/**
 * A small HTTP relay the suite puts in front of a service: before the APIs it is the load balancer
 * the platform's callbacks go through (PUBLIC_URL), trying the next API when one is down; before
 * the sandbox it is the network path to the platform, which a fault can cut (connections refused)
 * or poison (every answer HTTP 500) while the platform itself — and its records — stay intact.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type RelayMode = 'pass' | 'refuse' | 'http500';

export class Relay {
  private server: Server;
  private next = 0;
  mode: RelayMode = 'pass';
  port = 0;

  constructor(private readonly upstreams: () => readonly string[]) {
    this.server = this.build();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolveListen, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolveListen());
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('relay not on TCP');
    this.port = address.port;
  }

  /** Connections refused: the listener is closed and open connections are cut. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    const closed = new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again on the same port; answers with `mode` from now on. */
  async reopen(mode: Exclude<RelayMode, 'refuse'>): Promise<void> {
    this.mode = mode;
    this.server = this.build();
    await this.listen(this.port);
  }

  setMode(mode: Exclude<RelayMode, 'refuse'>): void {
    this.mode = mode;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolveClose) => this.server.close(() => resolveClose()));
    this.server.closeAllConnections();
    await closed;
  }

  private build(): Server {
    return createServer((req, res) => {
      if (this.mode === 'http500') {
        req.resume();
        res.writeHead(500, { 'content-type': 'text/plain' }).end('relay: platform outage (HTTP 500)');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.forward(req, Buffer.concat(chunks), res, 0));
    });
  }

  /** Tries each upstream once, starting with the next in turn, until one accepts the connection. */
  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse, tried: number): void {
    const upstreams = this.upstreams();
    if (tried >= upstreams.length) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('relay: no upstream answered');
      return;
    }
    const target = new URL(req.url ?? '/', upstreams[this.next++ % upstreams.length]);
    const headers = { ...req.headers, host: target.host };
    const upstream = httpRequest(target, { method: req.method, headers, timeout: 60_000 }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // Only a refused connection is safe to try elsewhere: the request never left. Anything
      // else (a cut answer) may have been acted on, and is passed on as a cut connection.
      if (error.code === 'ECONNREFUSED' && !res.headersSent) this.forward(req, body, res, tried + 1);
      else res.destroy();
    });
    upstream.end(body);
  }
}
