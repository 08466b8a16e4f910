/** Writes .env.example from the config schema, so the two never drift (a unit test checks it). */
import fs from 'node:fs';
import path from 'node:path';
import { envExample } from '../src/config-doc';

fs.writeFileSync(path.join(__dirname, '..', '.env.example'), envExample());
console.log('wrote .env.example');
