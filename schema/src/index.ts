export * from './case/events.ts';
export * from './case/sla.ts';
export * from './case/workflow.ts';
export * from './cvss/index.ts';
export * from './errors.ts';
export * from './ids.ts';
export * from './roles.ts';
