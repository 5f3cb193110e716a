/**
 * The console is built into console/dist and served by the service itself at `/`
 * (src/server/console.ts). `npm run dev` serves it with hot reload and forwards
 * /graphql, WebSockets included, to a service on localhost:4000.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The service serves /assets/<name>.<hash>.js with a year-long immutable cache.
    assetsDir: 'assets',
    manifest: true,
    sourcemap: false,
    // The budget that matters is checked by scripts/bundle-size.mjs (gzipped, per screen).
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/graphql': { target: 'http://localhost:4000', ws: true } } },
});
