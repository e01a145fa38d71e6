import net from 'node:net';

/** A TCP proxy to a real service (Temporal, RabbitMQ) that a test can cut — connections dropped, port refusing — and restore. */
export class CuttableProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    readonly port: number,
    private readonly upstream: string,
  ) {}

  get isUp(): boolean {
    return this.server !== null;
  }

  /** Listens again (a no-op while up). */
  async up(): Promise<void> {
    if (this.server) return;
    const [host, port] = this.upstream.split(':');
    this.server = net.createServer((client) => {
      const upstream = net.connect(Number(port), host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s)).on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(this.port, '127.0.0.1', resolve));
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.server = null;
  }
}
