export * from './money.ts';
export * from './mask.ts';
export * from './topics.ts';
export * from './rpc.ts';
export * from './facts.ts';
