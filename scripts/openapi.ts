// Writes openapi.json (the OpenAPI 3.1 document generated from the route schemas) into the repo.
// `npm run openapi` runs it; a test fails when the committed file is not current.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateOpenApi } from './openapi-document.js';
import { projectRoot } from '../src/platform/paths.js';

const document = await generateOpenApi();
writeFileSync(join(projectRoot(), 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`openapi.json written (${Object.keys((document as { paths: object }).paths).length} paths)\n`);
