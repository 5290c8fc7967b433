/**
 * A bare `ws` "cloud" for the upstream bench (OCPP 1.6 or 2.0.1): accepts a BootNotification, answers every other
 * CALL with an empty CALLRESULT. Run as a child process; prints its port on stdout.
 */
import { WebSocketServer } from 'ws';

// 1.6 or 2.0.1: the BootNotification answer and an empty CALLRESULT (MeterValues, TransactionEvent) are the same in both.
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : p.has('ocpp2.0.1') ? 'ocpp2.0.1' : false) });
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
