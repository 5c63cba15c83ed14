// Proves the OpenAPI document is valid OpenAPI 3.1 (checked by a third-party validator), lists
// every route, and that the committed openapi.json is current (`npm run openapi` regenerates it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApi } from '../scripts/openapi-document.js';
import { projectRoot } from '../src/platform/paths.js';

let document: { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; summary?: string }>> };

beforeAll(async () => {
  document = (await generateOpenApi()) as typeof document;
}, 60_000);

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1 according to swagger-parser', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it('documents every /v1 and /terminal/v1 operation with a summary and its security', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(3);
    for (const { path, method, op } of operations) {
      if (!path.startsWith('/v1') && !path.startsWith('/terminal/v1')) continue;
      expect(op.summary, `${method} ${path} has no summary`).toBeTruthy();
    }
  });

  it('matches the committed openapi.json (run `npm run openapi`)', () => {
    const committed = JSON.parse(readFileSync(join(projectRoot(), 'openapi.json'), 'utf8')) as unknown;
    expect(committed).toEqual(document);
  });
});
