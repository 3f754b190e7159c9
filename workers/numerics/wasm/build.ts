/**
 * Builds ritz-kernel.wasm from assembly/kernel.ts with the pinned
 * AssemblyScript compiler (`npm run build:wasm`). The built file is
 * committed, so that installing the package needs no build step; a test
 * rebuilds it and compares the bytes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const SOURCE = fileURLToPath(new URL('./assembly/kernel.ts', import.meta.url));
const OUTPUT = fileURLToPath(new URL('./ritz-kernel.wasm', import.meta.url));

/**
 * Compiler options: optimised for speed, SIMD, no runtime beyond a stub
 * (the kernel allocates nothing), no imports (`abort` is not needed once
 * assertions are off).
 */
const OPTIONS = [
  '--optimizeLevel',
  '3',
  '--shrinkLevel',
  '0',
  '--noAssert',
  '--runtime',
  'stub',
  '--enable',
  'simd',
  '--use',
  'abort=',
  '--initialMemory',
  '1',
];

/** Compiles the kernel and returns the module's bytes. */
export async function buildKernel(): Promise<Uint8Array> {
  let binary: Uint8Array | undefined;
  const errors: string[] = [];
  const { error } = await asc.main(
    [SOURCE, '--outFile', 'kernel.wasm', ...OPTIONS],
    {
      writeFile(name, contents) {
        if (name.endsWith('kernel.wasm') && typeof contents !== 'string') {
          binary = contents;
        }
      },
      stderr: {
        write(chunk: Uint8Array | string) {
          errors.push(String(chunk));
          return true;
        },
      },
    },
  );
  if (error || !binary) {
    throw new Error(`building the kernel failed: ${error} ${errors.join('')}`);
  }
  return binary;
}

async function main(): Promise<void> {
  const bytes = await buildKernel();
  writeFileSync(OUTPUT, bytes);
  process.stdout.write(`wrote ${OUTPUT} (${bytes.length} bytes)\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
