// Running the native capture (`trapline capture`), which runs PROG under
// trapline and writes the trace stream to a file or to a descriptor.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { binPath } from '../paths.js';

export interface CaptureOptions {
  /** --output FILE, else --output-fd 3 (a pipe to this process). */
  outputFile?: string;
  stringLimit: number;
  vdso: boolean;
  /** Capture only the program's first thread (strace without -f): the
   *  others then cost nothing. */
  firstOnly?: boolean;
}

export class CaptureError extends Error {}

/** The program that captures: the native launcher, or a stand-in the CLI
 *  tests set to exercise the plumbing without the native side. */
export const captureBin = (): string => process.env.TRAPLINE_CAPTURE_BIN ?? binPath;

export function captureArgs(o: CaptureOptions, argv: readonly string[]): string[] {
  return [
    'capture',
    ...(o.outputFile !== undefined ? ['--output', o.outputFile] : ['--output-fd', '3']),
    '--strings', String(o.stringLimit),
    ...(o.vdso ? ['--vdso'] : []),
    ...(o.firstOnly ? ['--first-only'] : []),
    '--',
    ...argv,
  ];
}

/** Start the capture; stdin, stdout and stderr are the program's. */
export function startCapture(o: CaptureOptions, argv: readonly string[]): ChildProcess {
  const bin = captureBin();
  if (!existsSync(bin)) throw new CaptureError(`native launcher missing: ${bin} (run \`npm run build\`)`);
  const stdio: Array<'inherit' | 'pipe'> = ['inherit', 'inherit', 'inherit'];
  if (o.outputFile === undefined) stdio.push('pipe');
  return spawn(bin, captureArgs(o, argv), { stdio });
}

/** How the capture ended, once it has. */
export function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}
