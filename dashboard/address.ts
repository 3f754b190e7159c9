/**
 * Where the dashboard listens unless told otherwise: kept apart from the
 * server so that `sweep --help` can show it without loading the server.
 */

/** Default port of `sweep dashboard`. */
export const DEFAULT_PORT = 7600;
/** Default bind address: this machine only. */
export const DEFAULT_HOST = '127.0.0.1';
