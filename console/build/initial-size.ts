import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** After a build, print the gzipped size of the JavaScript the browser loads before the first screen. */
export function initialJsSize(): Plugin {
  return {
    name: 'initial-js-size',
    apply: 'build',
    generateBundle(_options, bundle) {
      const seen = new Set<string>();
      const visit = (name: string): void => {
        const chunk = bundle[name];
        if (!chunk || chunk.type !== 'chunk' || seen.has(name)) return;
        seen.add(name);
        chunk.imports.forEach(visit);
      };
      for (const [name, chunk] of Object.entries(bundle)) if (chunk.type === 'chunk' && chunk.isEntry) visit(name);
      let total = 0;
      for (const name of seen) {
        const chunk = bundle[name];
        if (chunk?.type === 'chunk') total += gzipSync(chunk.code).length;
      }
      const lazy = Object.values(bundle).filter((c) => c.type === 'chunk').length - seen.size;
      this.info(`initial JS ${(total / 1024).toFixed(1)} KB gzip in ${seen.size} file(s); ${lazy} chunk(s) load on demand`);
      console.log(`\n[console] initial JS ${(total / 1024).toFixed(1)} KB gzip (limit 400 KB), ${lazy} lazy chunk(s)`);
      if (total > 400 * 1024) this.error(`initial JS ${(total / 1024).toFixed(1)} KB gzip exceeds 400 KB`);
    },
  };
}
