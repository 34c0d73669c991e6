import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hisErrorCodes, hisFunctions } from '../../../central/his/index.ts';
import type { Field } from '../../../central/his/vendor/codec.ts';
import { services } from '../../../central/his/vendor/services.ts';
import { vendorErrorCodes } from '../../../central/his/vendor/wire.ts';
import { repoRoot } from '../../helpers/processes.ts';

/** docs/his-interface.md is the interface a HIS vendor would implement: it must not fall behind the code. */
const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'his-interface.md'), 'utf8');

function wireNames(fields: Field[]): string[] {
  return fields.flatMap((f) => {
    const t = f.type;
    const inner = typeof t === 'object' && 'object' in t ? t.object : typeof t === 'object' && 'list' in t && Array.isArray(t.list) ? t.list : [];
    return [f.wire, ...wireNames(inner)];
  });
}

describe('docs/his-interface.md', () => {
  it('documents every service with its request and answer fields', () => {
    for (const fn of hisFunctions) {
      const { service, request, result } = services[fn];
      const section = doc.split(`### \`${service}\` (${fn})`)[1]?.split('\n### ')[0];
      expect(section, `${service} has a section`).toBeDefined();
      // Nested fields may be documented once, as pay_info and the appointment object are.
      for (const wire of wireNames([...request, ...result])) expect(doc, `${service}: ${wire}`).toMatch(new RegExp(`[\`.]${wire}\``));
      for (const f of fn === 'bookAppointment' ? [...request] : [...request, ...result]) expect(section, `${service} section: ${f.wire}`).toMatch(new RegExp(`\`${f.wire}\``));
    }
  });

  it('lists every vendor code and every port error code', () => {
    for (const [code, { code: hisCode }] of Object.entries(vendorErrorCodes)) expect(doc).toMatch(new RegExp(`\\| ${code} \\|[^\\n]*${hisCode}`));
    for (const code of hisErrorCodes) expect(doc).toContain(code);
    for (const fn of hisFunctions) expect(doc).toContain(`\`${fn}\``);
  });
});
