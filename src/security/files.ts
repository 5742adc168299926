/**
 * Names and defaults of the CA's files, apart from ca.ts so that what only needs them (the
 * CLI's usage text, a sidecar without a CA directory) does not load the X.509 library.
 */
export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
/** Workload certificates live a day unless told otherwise. */
export const DEFAULT_CERT_TTL_MS = 24 * 3600_000;
