/** The readable form of an action's result: one `key  value` row per field, nested values as JSON. */
export function printTable(result: Record<string, unknown>): void {
  const entries = Object.entries(result);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  for (const [key, value] of entries) {
    const text = typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v !== 'object') ? value.join(', ') : JSON.stringify(value);
    process.stdout.write(`${key.padEnd(width)}  ${text}\n`);
  }
}
