import { OpenApiGeneratorV3, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

export function openApiDocument(registry: OpenAPIRegistry): unknown {
  registry.registerComponent('securitySchemes', 'residentToken', { type: 'http', scheme: 'bearer', description: 'Resident token from /api/v1/auth/login' });
  registry.registerComponent('securitySchemes', 'staffToken', { type: 'http', scheme: 'bearer', description: 'Staff token from /api/admin/v1/auth/login' });
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: { title: '张店区家庭健康行动 API', version: '1.0.0', description: 'Resident API (/api/v1) and staff API (/api/admin/v1).' },
    servers: [{ url: '/' }],
  });
}
