export * from './errors.ts';
export * from './ids.ts';
export * from './roles.ts';
export * from './case/sla.ts';
export * from './case/workflow.ts';
