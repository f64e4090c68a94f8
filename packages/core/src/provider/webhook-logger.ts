import type { Logger } from '../engine/adapter.js';

/** The default logger: warnings and errors to the console, one line each; pass `silentLogger` to opt out. */
export const consoleLogger: Logger = {
  warn(message, fields) {
    console.warn(fields ? `${message} ${safeJson(fields)}` : message);
  },
  error(message, fields) {
    console.error(fields ? `${message} ${safeJson(fields)}` : message);
  },
};

function safeJson(fields: Record<string, unknown>): string {
  try {
    return JSON.stringify(fields);
  } catch {
    return '{}';
  }
}

// A continuation token or a JWT: two or three base64url parts joined by dots.
const tokenPattern = /[A-Za-z0-9_-]{16,}(?:\.[A-Za-z0-9_-]{8,}){1,2}/g;

/**
 * A logger that removes the given secrets and anything shaped like a continuation token or a JWT from every message
 * and field before it reaches `logger`; long field values are cut so a hostile request cannot flood the log.
 */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  const hidden = secrets.filter((secret) => secret.length >= 4);
  const clean = (text: string): string => {
    let out = text;
    for (const secret of hidden) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    out = out.replace(tokenPattern, '[token]');
    return out.length > 500 ? `${out.slice(0, 500)}… (${out.length} characters)` : out;
  };
  const cleanValue = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return clean(value);
    if (depth > 2 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.slice(0, 20).map((item) => cleanValue(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value).slice(0, 20)) out[name] = cleanValue(item, depth + 1);
    return out;
  };
  const fieldsOf = (fields: Record<string, unknown> | undefined) =>
    fields === undefined ? undefined : (cleanValue(fields, 0) as Record<string, unknown>);
  return {
    info: logger.info ? (message, fields) => logger.info!(clean(message), fieldsOf(fields)) : undefined,
    warn: (message, fields) => logger.warn(clean(message), fieldsOf(fields)),
    error: (message, fields) => logger.error(clean(message), fieldsOf(fields)),
  };
}

/** Logs refusals (403, 400, 413…) as warnings, at most `perMinute` lines per reason per minute, then one line saying how many were dropped. */
export function refusalLogger(
  logger: Logger,
  now: () => number,
  perMinute = 10,
): (reason: string, message: string, fields?: Record<string, unknown>) => void {
  const windows = new Map<string, { startedMs: number; count: number }>();
  return (reason, message, fields) => {
    const at = now();
    let window = windows.get(reason);
    if (!window || at - window.startedMs >= 60_000) {
      if (window && window.count > perMinute)
        logger.warn(`${window.count - perMinute} more refusals (${reason}) in the last minute were not logged`);
      window = { startedMs: at, count: 0 };
      if (windows.size > 100) windows.clear();
      windows.set(reason, window);
    }
    window.count++;
    if (window.count <= perMinute) logger.warn(message, { reason, ...fields });
  };
}
