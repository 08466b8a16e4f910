import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ZodFirstPartyTypeKind, type ZodTypeAny } from 'zod';

const refIdOf = (s: ZodTypeAny): string | undefined => (s._def as { openapi?: { _internal?: { refId?: string } } }).openapi?._internal?.refId;

/** `.nullable()`, `.optional()` and `.default()` keep the name of what they wrap; this is that plain schema. */
function plain(s: ZodTypeAny): ZodTypeAny {
  const kind = (s._def as { typeName: ZodFirstPartyTypeKind }).typeName;
  const wrapped =
    kind === ZodFirstPartyTypeKind.ZodNullable || kind === ZodFirstPartyTypeKind.ZodOptional || kind === ZodFirstPartyTypeKind.ZodDefault
      ? (s._def as { innerType: ZodTypeAny }).innerType
      : null;
  return wrapped && refIdOf(wrapped) === refIdOf(s) ? plain(wrapped) : s;
}

function children(s: ZodTypeAny): ZodTypeAny[] {
  const d = s._def as Record<string, unknown> & { typeName: ZodFirstPartyTypeKind };
  switch (d.typeName) {
    case ZodFirstPartyTypeKind.ZodObject:
      return Object.values((d.shape as () => Record<string, ZodTypeAny>)());
    case ZodFirstPartyTypeKind.ZodArray:
      return [d.type as ZodTypeAny];
    case ZodFirstPartyTypeKind.ZodNullable:
    case ZodFirstPartyTypeKind.ZodOptional:
    case ZodFirstPartyTypeKind.ZodDefault:
      return [d.innerType as ZodTypeAny];
    case ZodFirstPartyTypeKind.ZodEffects:
      return [d.schema as ZodTypeAny];
    case ZodFirstPartyTypeKind.ZodUnion:
    case ZodFirstPartyTypeKind.ZodDiscriminatedUnion:
      return [...(d.options as Iterable<ZodTypeAny>)];
    case ZodFirstPartyTypeKind.ZodRecord:
      return [d.valueType as ZodTypeAny];
    case ZodFirstPartyTypeKind.ZodIntersection:
      return [d.left as ZodTypeAny, d.right as ZodTypeAny];
    default:
      return [];
  }
}

/**
 * zod-to-openapi shapes a named component after the first use it meets, so a schema first met as
 * `X.nullable()` would make component X nullable for every use. Registering each named schema's plain form
 * before the route that uses it keeps components as declared (a nullable use becomes `allOf: [X], nullable`).
 */
export function registerNamedSchemas(registry: OpenAPIRegistry, seen: Set<string>, schemas: Array<ZodTypeAny | undefined>): void {
  const visit = (s: ZodTypeAny): void => {
    const refId = refIdOf(s);
    if (refId && !seen.has(refId)) {
      seen.add(refId);
      const base = plain(s);
      for (const c of children(base)) visit(c);
      registry.register(refId, base);
      return;
    }
    if (!refId) for (const c of children(s)) visit(c);
  };
  for (const s of schemas) if (s) visit(s);
}
