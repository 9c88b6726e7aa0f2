// Running the native capture (`trapline capture`), which runs PROG under
// trapline and writes the trace stream to a file or to a descriptor: asked
// of the `trapline` command that started this Node (the supervisor), or
// spawned when Node was started directly.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, writeSync } from 'node:fs';
import { binPath } from '../paths.js';

export interface CaptureOptions {
  /** --output FILE, else --output-fd N (a pipe to this process): 3 when
   *  spawned, the supervisor's number otherwise. */
  outputFile?: string;
  outputFd?: number;
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
    ...(o.outputFile !== undefined ? ['--output', o.outputFile] : ['--output-fd', String(o.outputFd ?? 3)]),
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

/** The pipes of the `trapline` command that started this Node
 *  (native/src/launcher/supervisor.c documents the protocol). */
export interface Supervisor {
  /** Where the capture's arguments go; closed once they are written. */
  control: number;
  /** Where the stream comes from. */
  stream: number;
  /** The stream's descriptor in the capture. */
  captureFd: number;
}

function takeSupervisor(): Supervisor | undefined {
  const v = process.env.TRAPLINE_SUPERVISOR;
  delete process.env.TRAPLINE_SUPERVISOR; // not the programs'
  const m = v === undefined ? null : /^(\d+),(\d+),(\d+)$/.exec(v);
  return m ? { control: Number(m[1]), stream: Number(m[2]), captureFd: Number(m[3]) } : undefined;
}

/** Set when the `trapline` command started this Node for trace or record. */
export const supervisor: Supervisor | undefined = takeSupervisor();

/** Ask the supervisor to start the capture: its arguments, each ending with
 *  a NUL, then an empty one. */
export function requestCapture(sup: Supervisor, o: CaptureOptions, argv: readonly string[]): void {
  const request = Buffer.from(captureArgs(o, argv).map((a) => a + '\0').join('') + '\0');
  for (let off = 0; off < request.length; ) off += writeSync(sup.control, request, off);
  closeSync(sup.control);
}
