// Locations inside the installed package, resolved from this module's own
// path (dist/src/paths.js → package root two levels up).
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const nativeBuildDir: string = path.join(packageRoot, 'native', 'build');
/** The `trapline` command: the static native launcher (`run`), which hands
 *  every other command to this CLI. */
export const binPath: string = path.join(nativeBuildDir, 'trapline');
