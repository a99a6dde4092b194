// The console's bundle: served by PostFlow at /admin/ (src/server/consoleRoutes.ts), built by scripts/console/build.mjs.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    // The server sets a long immutable cache on assets/ (hashed names), and no-cache on index.html.
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    // `npm run dev -w admin` beside a PostFlow on :4000: the API and its WebSocket on the same origin as the page.
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } },
  },
});
