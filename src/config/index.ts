export * from './schema.js';
export * from './load.js';
export * from './defaults.js';
export * from './watch.js';
export * from './service-routes.js';
export * from './bridge-schema.js';
