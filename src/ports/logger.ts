// src/ports/logger.ts
// The logger every part of the guard writes to: pino, console and most loggers fit.

/** Where the guard writes what goes wrong; pino, console and most loggers fit. */
export interface Logger {
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

/** A logger that drops everything: the default where nobody asked to hear. */
export const SILENT_LOGGER: Logger = Object.freeze({ warn() {}, error() {} });
