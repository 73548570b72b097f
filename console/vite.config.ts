import path from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The console is served by the hub under /console/; its build goes to dist/console (ignored). */
export default defineConfig({
  root: here,
  base: "/console/",
  plugins: [react()],
  // The hub puts each response's CSP nonce in place of this (src/http/console.ts CSP_NONCE_PLACEHOLDER).
  html: { cspNonce: "GRANTLINE_CSP_NONCE" },
  build: {
    outDir: path.resolve(here, "../dist/console"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: separate chunks stay cached across releases.
        manualChunks(id) {
          if (!id.includes("node_modules")) return undefined;
          if (/[\\/]node_modules[\\/](recharts|d3-|victory-vendor|decimal\.js|es-toolkit|@reduxjs|redux|immer|reselect)/.test(id)) return "charts";
          if (/[\\/]node_modules[\\/]@mantine[\\/]/.test(id) || /[\\/]node_modules[\\/]@floating-ui[\\/]/.test(id)) return "mantine";
          return "vendor";
        },
      },
    },
  },
  logLevel: "warn",
});
