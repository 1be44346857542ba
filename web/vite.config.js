import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The bundle is committed (web/dist) and embedded in the server binary, and
// CI rebuilds it from the lockfile and fails when it differs: nothing here
// may depend on the machine or the time of the build.
export default defineConfig({
  plugins: [
    vue(),
    // Element Plus per component, so a screen pulls only the scripts it
    // uses (the first screen stays light); its styles are one stylesheet,
    // imported by main.js.
    AutoImport({ resolvers: [ElementPlusResolver({ importStyle: false })], dts: false }),
    Components({ resolvers: [ElementPlusResolver({ importStyle: false })], dts: false }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's Content-Security-Policy allows no inline script.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev` talks to a server started with `go run .`.
    proxy: { '/back_end': 'http://127.0.0.1:8080' },
  },
  test: {
    environment: 'jsdom',
  },
})
