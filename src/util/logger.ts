/**
 * Logging: human lines on stderr (level by -v/-q), JSON lines to --log-file, and, with
 * --progress json, log records as JSON events on stderr for the PowerShell module.
 * Everything passes through redactSecrets first: secrets must never reach a log.
 */
import winston from 'winston';
import { safeMessage } from '../core/shown.js';
import { redactSecrets } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'verbose' | 'debug';

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  verbose(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** Flush and close file transports. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  /** stderr level: 'warn' with -q, 'info' default, 'verbose' with -v, 'debug' with -vv / --debug. */
  consoleLevel: LogLevel;
  logFile?: string;
  /** Emit log records as JSON lines on stderr ({"type":"log",...}) instead of human text. */
  jsonEvents?: boolean;
  /** Where console output goes (default process.stderr). */
  stream?: NodeJS.WritableStream;
}

const redactFormat = winston.format((info) => {
  // Escaped and cut too: a warning quoting an input must not put raw control bytes on a console.
  info.message = safeMessage(redactSecrets(String(info.message)));
  for (const k of Object.keys(info)) {
    const v = (info as Record<string, unknown>)[k];
    if (typeof v === 'string' && k !== 'level') (info as Record<string, unknown>)[k] = redactSecrets(v);
  }
  return info;
});

/** Records marked `fileOnly` (already shown to the user another way) go to --log-file only. */
const skipFileOnly = winston.format((info) => (info.fileOnly ? false : info));

export function createLogger(opts: LoggerOptions): Logger {
  const stream = opts.stream ?? process.stderr;
  const transports: winston.transport[] = [
    new winston.transports.Stream({
      stream,
      level: opts.consoleLevel,
      format: opts.jsonEvents
        ? winston.format.combine(
            skipFileOnly(),
            redactFormat(),
            winston.format.printf((info) =>
              JSON.stringify({ type: 'log', level: info.level, message: info.message }),
            ),
          )
        : winston.format.combine(
            skipFileOnly(),
            redactFormat(),
            winston.format.printf((info) => {
              const prefix = info.level === 'info' ? '' : `${info.level}: `;
              return `${prefix}${info.message}`;
            }),
          ),
    }),
  ];
  let file: winston.transports.FileTransportInstance | undefined;
  if (opts.logFile) {
    file = new winston.transports.File({
      filename: opts.logFile,
      // Created at the first record, not before: a run refused by the file guard leaves no file.
      lazy: true,
      level: 'debug',
      format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    });
    transports.push(file);
  }
  const w = winston.createLogger({ levels: winston.config.npm.levels, transports, exitOnError: false });
  const log = (level: LogLevel) => (message: string, meta?: Record<string, unknown>) => {
    w.log(level, message, meta ?? {});
  };
  return {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    verbose: log('verbose'),
    debug: log('debug'),
    close: () =>
      new Promise<void>((resolve) => {
        if (!file) return resolve();
        file.on('finish', () => resolve());
        w.end();
        setTimeout(resolve, 2000).unref();
      }),
  };
}

/** A logger that drops everything (unit tests, library use). */
export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  verbose() {},
  debug() {},
  close: async () => {},
};
