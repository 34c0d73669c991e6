/** Every MQTT topic of DESIGN.md §7 in one place. */
export const root = 'kiosk/v1';
export const kioskIdPattern = /^[A-Za-z0-9][A-Za-z0-9-]{2,31}$/;
const reserved = new Set(['central', 'broadcast', 'provision']);

export function isValidKioskId(kid: string): boolean {
  return kioskIdPattern.test(kid) && !reserved.has(kid);
}

export const topics = {
  rpc: (kid: string) => `${root}/${kid}/rpc`,
  rpcRes: (kid: string) => `${root}/${kid}/rpc/res`,
  tx: (kid: string) => `${root}/${kid}/tx`,
  txAck: (kid: string) => `${root}/${kid}/tx/ack`,
  status: (kid: string) => `${root}/${kid}/status`,
  state: (kid: string) => `${root}/${kid}/state`,
  hb: (kid: string) => `${root}/${kid}/hb`,
  alarm: (kid: string) => `${root}/${kid}/alarm`,
  alarmsActive: (kid: string) => `${root}/${kid}/alarms/active`,
  centralState: (worker: string) => `${root}/central/${worker}/state`,
  allCentralStates: `${root}/central/+/state`,
  /** Shared subscriptions: several bridge workers split the load, a dead one holds nothing. */
  sharedRpc: `$share/bridge/${root}/+/rpc`,
  sharedTx: `$share/bridge/${root}/+/tx`,
} as const;

/** The kid segment of a kiosk topic, or undefined when the topic is not `kiosk/v1/{kid}/...`. */
export function kioskIdOf(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length < 4 || `${parts[0]}/${parts[1]}` !== root) return undefined;
  const kid = parts[2]!;
  return isValidKioskId(kid) ? kid : undefined;
}
