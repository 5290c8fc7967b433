import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths pino blanks out wherever they appear, so a secret never reaches a log line. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
];

export interface LogSettings {
  level: string;
  /** 'json' (one JSON object per line, the default) or 'pretty' (readable in a terminal). */
  format?: 'json' | 'pretty';
}

/**
 * The root logger. JSON lines by default; `pretty` makes them readable in a terminal without
 * pino-pretty (kept dependency-free: a one-line formatter is enough for a person watching).
 */
export function createLogger(settings: LogSettings, destination: NodeJS.WritableStream): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { app: 'chargegate' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (settings.format === 'pretty') {
    return pino(options, prettyStream(destination));
  }
  return pino(options, destination as pino.DestinationStream);
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

function prettyStream(out: NodeJS.WritableStream): pino.DestinationStream {
  return {
    write(line: string) {
      try {
        const { level, time, msg, app: _app, pid: _pid, hostname: _host, ...rest } = JSON.parse(line) as Record<string, unknown>;
        const fields = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ');
        out.write(`${String(time).slice(11, 23)} ${(LEVELS[level as number] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${fields ? '  ' + fields : ''}\n`);
      } catch {
        out.write(line);
      }
    },
  };
}

/** A logger that drops everything: for tests and tools that do not want output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
