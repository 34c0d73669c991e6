import { getAdjacencyMap, getStateNodes } from '@xstate/graph';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';

/**
 * Model-based walking of a flow machine (DESIGN.md §4): @xstate/graph builds the state graph with
 * fake actors — every invoked actor's possible outputs and its failure, every patient event, every
 * countdown — and we enumerate each path from the initial state until it loops back or ends.
 * Invariants are checked on every path by the tests; coverage is reported as counts.
 */

/** What a fake actor of the given `src` may answer; an empty list means "only fails". */
export type FakeOutputs = Record<string, (snapshot: AnyMachineSnapshot) => unknown[]>;

export interface WalkOptions {
  input: unknown;
  /** Outputs of each invoked actor by its `src`. Every actor also gets an error event. */
  outputs: FakeOutputs;
  /** Events of callback actors and patient events that carry data, by event type. */
  payloads?: Record<string, (snapshot: AnyMachineSnapshot) => EventObject[]>;
  /** Keeps the graph finite: the parts of context that matter to the paths. */
  contextKey?: (context: Record<string, unknown>) => unknown;
}

export interface Step {
  event: EventObject;
  state: AnyMachineSnapshot;
}
export interface Path {
  start: AnyMachineSnapshot;
  steps: Step[];
  /** The path stopped because its last step went back to a state already on it (a retry, a menu). */
  closedLoop: boolean;
}

export interface Walk {
  paths: Path[];
  statesCovered: number;
  statesTotal: number;
  transitionsCovered: number;
}

export function walk(machine: AnyStateMachine, options: WalkOptions): Walk {
  const serialize = (s: AnyMachineSnapshot) => JSON.stringify({ value: s.value, status: s.status, context: options.contextKey?.(s.context as Record<string, unknown>) ?? null });
  const adjacency = getAdjacencyMap(machine, {
    input: options.input,
    events: (snapshot: AnyMachineSnapshot) => eventsOf(snapshot, options),
    serializeState: (s) => serialize(s as AnyMachineSnapshot),
  }) as unknown as Record<string, { state: AnyMachineSnapshot; transitions: Record<string, { event: EventObject; state: AnyMachineSnapshot }> }>;

  const initialKey = Object.keys(adjacency)[0]!;
  const paths: Path[] = [];
  const visit = (key: string, onPath: Set<string>, steps: Step[]) => {
    const transitions = Object.values(adjacency[key]!.transitions);
    if (transitions.length === 0) return void paths.push({ start: adjacency[initialKey]!.state, steps, closedLoop: false });
    for (const { event, state } of transitions) {
      const next = serialize(state);
      // A self-loop (an event forwarded to a child, a stage update) adds no path of its own.
      if (next === key) continue;
      const path = [...steps, { event, state }];
      // A path ends where it closes a loop (back to attract, a retry): the closing step is kept.
      if (onPath.has(next) || !adjacency[next]) paths.push({ start: adjacency[initialKey]!.state, steps: path, closedLoop: onPath.has(next) });
      else visit(next, new Set([...onPath, next]), path);
    }
  };
  visit(initialKey, new Set([initialKey]), []);

  const statesSeen = new Set<string>();
  let transitionsCovered = 0;
  for (const { state, transitions } of Object.values(adjacency)) {
    for (const node of state._nodes) statesSeen.add(node.id);
    transitionsCovered += Object.keys(transitions).length;
  }
  // A transient state (only `always`) is passed through within one step and never rests.
  const resting = getStateNodes(machine).filter((n) => !(n.always?.length && n.invoke.length === 0 && Object.keys(n.on).length === 0));
  return { paths, statesCovered: statesSeen.size, statesTotal: resting.length + 1, transitionsCovered };
}

function eventsOf(snapshot: AnyMachineSnapshot, options: WalkOptions): EventObject[] {
  if (snapshot.status !== 'active') return [];
  const events: EventObject[] = [];
  for (const node of snapshot._nodes) {
    for (const type of node.ownEvents) {
      const done = /^xstate\.done\.actor\.(.+)$/.exec(type);
      const error = /^xstate\.error\.actor\.(.+)$/.exec(type);
      if (done || error) {
        const child = snapshot.children[(done ?? error)![1]!] as { src?: unknown } | undefined;
        if (!child) continue;
        const src = String(child.src);
        if (done) {
          const outputs = options.outputs[src];
          if (!outputs) throw new Error(`no fake outputs for actor "${src}"`);
          for (const output of outputs(snapshot)) events.push({ type, output } as EventObject);
        } else events.push({ type, error: new Error(`fake ${src} failed`) } as EventObject);
      } else if (options.payloads?.[type]) events.push(...options.payloads[type](snapshot));
      else events.push({ type });
    }
  }
  return events;
}

/** The screen a snapshot shows: the `screen` of the deepest active state's meta. */
export function screenOf(snapshot: AnyMachineSnapshot): string | undefined {
  const metas = Object.values(snapshot.getMeta() as Record<string, { screen?: string } | undefined>);
  return metas.reverse().find((m) => m?.screen)?.screen;
}
