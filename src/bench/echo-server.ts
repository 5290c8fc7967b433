/**
 * The baseline for `npm run bench`: a bare `ws` server that answers every OCPP CALL with an
 * empty CALLRESULT, no parsing beyond the id. What chargegate adds is measured against this.
 * Run as a child process; prints its port on stdout.
 */
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('ocpp1.6') ? 'ocpp1.6' : false) });
wss.on('connection', (ws) => {
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    const id = text.slice(text.indexOf('"') + 1, text.indexOf('"', text.indexOf('"') + 1));
    ws.send(`[3,"${id}",{"currentTime":"${new Date().toISOString()}"}]`);
  });
});
wss.on('listening', () => {
  const addr = wss.address();
  process.stdout.write(`${addr && typeof addr === "object" ? addr.port : String(addr)}\n`);
});
