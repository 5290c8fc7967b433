/**
 * A bare `ws` "cloud" for the upstream bench: accepts a BootNotification, answers every other
 * CALL with an empty CALLRESULT. Run as a child process; prints its port on stdout.
 */
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    const start = text.indexOf('"') + 1;
    const id = text.slice(start, text.indexOf('"', start));
    const payload = text.includes('"BootNotification"') ? `{"status":"Accepted","currentTime":"${new Date().toISOString()}","interval":300}` : '{}';
    ws.send(`[3,"${id}",${payload}]`);
  });
});
wss.on('listening', () => {
  const addr = wss.address();
  process.stdout.write(`${addr && typeof addr === 'object' ? addr.port : String(addr)}\n`);
});
