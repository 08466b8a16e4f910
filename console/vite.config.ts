import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import AutoImport from 'unplugin-auto-import/vite';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { initialJsSize } from './build/initial-size';

// Element Plus components are imported where they are used (per route chunk), not as one whole library.
export default defineConfig({
  base: '/admin/',
  plugins: [
    vue(),
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
    initialJsSize(),
  ],
  server: {
    // `npm run dev`: hot reload here, API calls go to the service (`npm start` or `npm run dev` at the root).
    proxy: { '/api': process.env.CONSOLE_API ?? 'http://127.0.0.1:3000' },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1200 },
});
