/**
 * Log fields that must never reach a log line in clear (DESIGN.md §5 log): pino's redaction
 * censors them wherever the kiosk or central logs an object that carries them.
 */
export const redactPaths = [
  'name',
  'idNumber',
  'address',
  'phone',
  'pan',
  'cardNo',
  'credNo',
  '*.name',
  '*.idNumber',
  '*.address',
  '*.phone',
  '*.pan',
  '*.cardNo',
  '*.credNo',
];
