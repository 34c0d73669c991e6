import { timeScale, TimeScaleError } from '../contract/time-scale.ts';
import { exitCodes, UsageError, type Command } from './exit.ts';

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: { summary: 'broker, bridge, simulated hospital and devices, and one kiosk in this terminal', load: async () => (await import('./commands/demo.ts')).demo },
  kiosk: { summary: 'the kiosk runtime (--config FILE | --example-config)', load: async () => (await import('./commands/kiosk.ts')).kiosk },
  bridge: { summary: 'the central bridge (--broker URL --his sim --ledger FILE)', load: async () => (await import('./commands/bridge.ts')).bridge },
  broker: { summary: 'a private Mosquitto with the project configuration (--port N)', load: async () => (await import('./commands/broker.ts')).broker },
  'his-sim': { summary: 'the simulated hospital: serve --port N --data DIR | fixtures | bills | fault | config', load: async () => (await import('./commands/his-sim.ts')).hisSim },
  'pay-sim': { summary: 'a simulated QR channel: serve --channel wechat|alipay --port N --data DIR', load: async () => (await import('./commands/pay-sim.ts')).paySim },
  'insurance-sim': { summary: 'the simulated national insurance platform: serve --port N --data DIR', load: async () => (await import('./commands/insurance-sim.ts')).insuranceSim },
  sim: { summary: 'a device simulator on a new pseudo-terminal: card | pos | printer', load: async () => (await import('./commands/sim.ts')).sim },
  device: { summary: 'a technician\'s line to one device: <kind> <action> --port PATH [--json]; probe --config FILE', load: async () => (await import('./commands/device.ts')).device },
  staff: { summary: 'staff PINs for the kiosk config: pin-hash (reads the PIN from stdin)', load: async () => (await import('./commands/staff.ts')).staff },
  journal: { summary: 'the kiosk journal: verify --db FILE [--json]', load: async () => (await import('./commands/journal.ts')).journal },
  cert: { summary: 'client certificates: issue --ca DIR --name NAME --role kiosk|bridge|console --out DIR; list --ca DIR', load: async () => (await import('./commands/cert.ts')).cert },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return ['usage: zizhu <command> [options]', '', ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? exitCodes.ok : exitCodes.usage;
  }
  const command = commands[name];
  if (!command) {
    console.error(`zizhu: unknown command "${name}"\n\n${usage()}`);
    return exitCodes.usage;
  }
  try {
    // Every process reads the scale: a wrong one stops it here, before it runs at a time nobody meant.
    timeScale();
    return await (await command.load())(rest);
  } catch (e) {
    if (e instanceof UsageError || e instanceof TimeScaleError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`zizhu ${name}: ${e.message}`);
      return exitCodes.usage;
    }
    throw e;
  }
}

const code = await main(process.argv.slice(2));
// Long-running commands (kiosk, bridge, broker, sim) never resolve; they exit from their signal handlers.
process.exitCode = code;
