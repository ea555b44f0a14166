import { defineConfig, type Plugin } from 'vite'
import react from '@vitejs/plugin-react'
import { gzipSync } from 'node:zlib'
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// gzipBeside writes FILE.gz beside every built file, so that the Go server
// can answer precompressed assets. zlib writes no timestamp: the output is
// the same on every build (web/build_test.go compares it byte for byte).
function gzipBeside(): Plugin {
  let outDir = 'dist'
  return {
    name: 'baton-gzip',
    apply: 'build',
    configResolved(c) { outDir = c.build.outDir },
    closeBundle() {
      const walk = (dir: string) => {
        for (const f of readdirSync(dir).sort()) {
          const p = join(dir, f)
          if (statSync(p).isDirectory()) walk(p)
          else if (!f.endsWith('.gz')) writeFileSync(p + '.gz', gzipSync(readFileSync(p), { level: 9 }))
        }
      }
      walk(outDir)
    },
  }
}

export default defineConfig({
  base: '/ui/',
  plugins: [react(), gzipBeside()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': process.env.BATON_URL || 'http://127.0.0.1:7780' } },
  preview: { proxy: { '/api': process.env.BATON_URL || 'http://127.0.0.1:7780' } },
})
