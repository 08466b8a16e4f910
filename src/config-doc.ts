import type { ZodTypeAny } from 'zod';
import { configSchema } from './config';

/** Each variable with its description and default, from the one schema. */
export function configRows(): Array<{ key: string; description: string; default: string }> {
  return Object.entries(configSchema.shape as Record<string, ZodTypeAny>).map(([key, type]) => {
    let t: ZodTypeAny | undefined = type;
    let def = '';
    while (t?._def) {
      if (t._def.typeName === 'ZodDefault') {
        def = String(t._def.defaultValue());
        break;
      }
      t = t._def.innerType ?? t._def.schema;
    }
    return { key, description: type.description ?? '', default: def };
  });
}

export function envExample(): string {
  const lines = ['# Environment for the service. Unset values take the defaults shown; see README.md.', ''];
  for (const r of configRows()) lines.push(`# ${r.description}`, `${r.key}=${r.default}`);
  return `${lines.join('\n')}\n`;
}
