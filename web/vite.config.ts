import { defineConfig } from "vite";

// The gateway serves dist/ on its own origin: index.html (no-cache) and dist/assets/*
// (content-hashed names, cached for a year). `npm run dev` proxies /v1 to a local
// gateway (VITE_API, default http://127.0.0.1:8000) so the dev server needs no CORS.
// No source maps in the build: they would publish the whole source (1.8 MB) with the
// app; the dev server (`npm run dev`) has its own.
export default defineConfig({
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false },
  server: {
    proxy: { "/v1": process.env.VITE_API ?? "http://127.0.0.1:8000" },
  },
});
