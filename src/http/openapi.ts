import Router from '@koa/router';
import { OpenApiGeneratorV3, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { AccessPorts } from '../access';
import type { AppContext } from '../context';
import { Api, type RouteModule } from './route';

export function openApiDocument(registry: OpenAPIRegistry): unknown {
  registry.registerComponent('securitySchemes', 'residentToken', { type: 'http', scheme: 'bearer', description: 'Resident token from /api/v1/auth/login' });
  registry.registerComponent('securitySchemes', 'staffToken', { type: 'http', scheme: 'bearer', description: 'Staff token from /api/admin/v1/auth/login' });
  const doc = new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: '张店区家庭健康行动 API', version: '1.0.0', description: 'Resident API (/api/v1) and staff API (/api/admin/v1).' },
    servers: [{ url: '/' }],
  });
  return nullableRefs(doc);
}

/**
 * zod-to-openapi writes a nullable use of a named component as `allOf: [{$ref}, {nullable: true}]`, which says
 * "X and also anything that may be null" — X, in the end, so client generators drop the null. The usual OpenAPI
 * 3.0 form puts `nullable` beside the `allOf`.
 */
function nullableRefs<T>(node: T): T {
  if (Array.isArray(node)) return node.map(nullableRefs) as T;
  if (typeof node !== 'object' || node === null) return node;
  const o = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, nullableRefs(v)])) as Record<string, unknown>;
  const all = o.allOf;
  if (Array.isArray(all) && all.length === 2 && isRef(all[0]) && isNullableMark(all[1])) {
    const { allOf: _drop, ...rest } = o;
    return { ...rest, allOf: [all[0]], nullable: true } as T;
  }
  return o as T;
}

const isRef = (v: unknown): boolean => typeof v === 'object' && v !== null && '$ref' in v && Object.keys(v).length === 1;
const isNullableMark = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && Object.keys(v).length === 1 && (v as { nullable?: unknown }).nullable === true;

/** The document of every module's routes without serving them (scripts/gen-api-types.ts writes client types from it). */
export function apiDocument(app: AppContext, modules: readonly RouteModule[], access: AccessPorts): unknown {
  const registry = new OpenAPIRegistry();
  const api = new Api(app, access, new Router(), registry);
  for (const m of modules) m.routes(api);
  return openApiDocument(registry);
}
