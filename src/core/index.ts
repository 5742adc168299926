export * from './errors.js';
export * from './limits.js';
export * from './endpoint.js';
export * from './invocation.js';
export * from './codec.js';
export * from './log.js';
export * from './metrics.js';
export * from './cancel.js';
