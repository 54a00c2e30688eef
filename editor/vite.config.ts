// Builds the web editor into editor/dist, served by `spe serve` at /editor/.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/editor/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Monaco is large by nature; one chunk of it is expected.
    chunkSizeWarningLimit: 6000,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        // Monaco in a chunk of its own: a new build of the editor's own code changes only the
        // small app chunk, and a browser keeps monaco (immutable, by its hash) across releases.
        codeSplitting: { groups: [{ name: 'monaco', test: /node_modules[\\/]monaco-editor/ }] },
      },
    },
  },
  worker: { format: 'es' },
});
