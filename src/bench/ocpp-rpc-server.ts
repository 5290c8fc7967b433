/**
 * The non-durable peer of `npm run bench` (issue #19): ocpp-rpc's RPCServer in strict mode (it
 * validates every CALL against the OCPP 1.6 schemas, as chargegate does) answering each
 * MeterValues with `{}` and storing nothing. Run as a child process; prints its port on stdout.
 */
import rpc from 'ocpp-rpc';

interface RpcClient {
  handle(method: string, handler: () => unknown): void;
}
const { RPCServer } = rpc as unknown as {
  RPCServer: new (options: Record<string, unknown>) => {
    on(event: 'client', listener: (client: RpcClient) => void): void;
    listen(port: number, host: string): Promise<{ address(): unknown }>;
  };
};

const server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true, pingIntervalMs: 0 });
server.on('client', (client) => {
  client.handle('BootNotification', () => ({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }));
  client.handle('Heartbeat', () => ({ currentTime: new Date().toISOString() }));
  client.handle('MeterValues', () => ({}));
});
const http = await server.listen(0, '127.0.0.1');
process.stdout.write(`${(http.address() as { port: number }).port}\n`);
