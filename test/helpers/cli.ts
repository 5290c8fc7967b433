/** Runs the chargegate CLI from source in a child process, as a user would from a shell. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `env` adds to the child's (otherwise only PATH): CHARGEGATE_TOKEN, say. */
export function chargegate(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runToEnd(process.execPath, ['--import', '@tapjs/typescript/import', 'src/main.ts', ...args], ROOT, env);
}

/** Runs a command to its end and collects what it printed; the environment is PATH and `env`. */
export function runToEnd(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      // Transpile only (as tap runs the tests): type checking is `tsc`'s job, and takes seconds.
      env: { PATH: process.env.PATH ?? '', TS_NODE_TRANSPILE_ONLY: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A minimal valid config: one charger, OCPP on a free port. */
export const VALID = `ocpp:
  port: 0
chargers:
  list:
    - id: CP1
      password: cp1-secret-key-01
      maxCurrent: 32
`;
