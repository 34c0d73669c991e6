import { parseArgs } from 'node:util';
import { startFhirEngine } from './fhir-engine.ts';
import { seedHospital } from './fhir-seed.ts';

/**
 * The test FHIR engine with the seeded hospital, by hand, for trying `zizhu bridge --his fhir:URL`
 * (docs/fhir-adapter.md §6): `npx tsx test/central/his/fhir-serve.ts [--port N]` prints
 * `{"url":"http://127.0.0.1:N/fhir/R4"}` and serves until interrupted. Development only: it needs
 * the Medplum dev dependencies and keeps everything in memory.
 */
const { values } = parseArgs({ options: { port: { type: 'string' } } });
if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) {
  console.error('--port must be a port number');
  process.exit(2);
}
const engine = await startFhirEngine((repo) => seedHospital(repo), Number(values.port ?? 0));
console.log(JSON.stringify({ url: engine.url }));
const stop = () => void engine.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
