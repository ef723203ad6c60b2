/**
 * The one exit point: parse, run the command, map typed errors to exit codes and messages.
 * Stack traces only with --debug. bin/zivver-keytool.js sets process.exitCode from our result.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { safeMessage } from '../core/shown.js';
import { ExitCode, InputError, KeytoolError } from '../errors.js';
import { FileClashError, FileGuard } from '../store/fileGuard.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { createProgress } from '../util/progress.js';
import { redactSecrets } from '../util/redact.js';
import type { CommandContext } from './context.js';
import { COMMANDS, ParseFailure, parseArgv } from './parser.js';
import { explainParseFailure } from './suggest.js';

export interface MainIo {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  stdin?: NodeJS.ReadableStream;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Install SIGINT/SIGTERM handlers (the real process only). */
  handleSignals?: boolean;
}

/** How often --stop-file is looked for: well inside the 2 s a stop may take. */
const STOP_FILE_POLL_MS = 100;

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const debug = argv.includes('--debug');
  let parsed;
  try {
    parsed = await parseArgv(argv);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const text = err instanceof KeytoolError ? msg : explainParseFailure(msg, argv, COMMANDS);
    stderr.write(`error: ${safeMessage(redactSecrets(text))}\n`);
    if (debug && err instanceof Error && !(err instanceof ParseFailure)) stderr.write(`${err.stack}\n`);
    const named = COMMANDS.find((c) => c.command.split(' ')[0] === argv[0]);
    return named?.errorExitCode?.(argv) ?? (err instanceof KeytoolError ? err.exitCode : ExitCode.Usage);
  }
  if (!parsed.invocation) {
    if (parsed.output) stdout.write(parsed.output.endsWith('\n') ? parsed.output : parsed.output + '\n');
    return ExitCode.Ok;
  }
  const { command, args } = parsed.invocation;
  const verbose = Number(args.verbose ?? 0);
  const consoleLevel: LogLevel = args.quiet ? 'warn' : args.debug || verbose >= 2 ? 'debug' : verbose === 1 ? 'verbose' : 'info';
  const progressMode = (args.progress as 'auto' | 'json' | 'bar' | 'none' | undefined) ?? 'auto';
  const cwd = io.cwd ?? process.cwd();
  const logFile = typeof args.logFile === 'string' && args.logFile !== '' ? path.resolve(cwd, args.logFile) : undefined;
  if (logFile) {
    // Before the log file is opened: never log lines into a ledger, a plan, an input or a folder.
    try {
      await new FileGuard({ cwd }).appends(args.logFile as string, { option: '--log-file', what: 'the log file' }, 'log').check();
    } catch (err) {
      stderr.write(`error: ${safeMessage(redactSecrets(err instanceof Error ? err.message : String(err)))}\n`);
      return command.errorExitCode?.(argv) ?? (err instanceof KeytoolError ? err.exitCode : ExitCode.Usage);
    }
  }
  const logger = createLogger({
    consoleLevel,
    logFile,
    jsonEvents: progressMode === 'json',
    stream: stderr,
  });
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      stderr.write(`\n${sig} again: stopping now.\n`);
      process.exit(ExitCode.Interrupted);
    }
    logger.warn(`${sig} received: finishing what is in flight, then stopping (press Ctrl-C again to stop at once).`);
    controller.abort();
  };
  if (io.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  // --stop-file: a cancellation channel that needs no console signal (a program that starts us
  // without a console, such as the PowerShell module, creates the file to stop us as Ctrl-C would).
  let stopWatch: NodeJS.Timeout | undefined;
  const stopFile = typeof args.stopFile === 'string' && args.stopFile ? path.resolve(cwd, args.stopFile) : undefined;
  if (stopFile) {
    if (existsSync(stopFile)) {
      stderr.write(`error: --stop-file ${stopFile} exists already, so this run would stop at once; nothing was done. Remove it, or name a file that does not exist.\n`);
      await logger.close();
      return ExitCode.Usage;
    }
    stopWatch = setInterval(() => {
      if (controller.signal.aborted || !existsSync(stopFile)) return;
      logger.warn(`Stop requested (${stopFile} appeared): finishing what is in flight, then stopping.`);
      controller.abort();
    }, STOP_FILE_POLL_MS);
    stopWatch.unref();
  }
  const ctx: CommandContext = {
    stdout: stdout as CommandContext['stdout'],
    stderr: stderr as CommandContext['stderr'],
    stdin: (io.stdin ?? process.stdin) as CommandContext['stdin'],
    env: io.env ?? process.env,
    cwd,
    logger,
    progress: createProgress(progressMode, stderr),
    signal: controller.signal,
    runFiles: {
      ...(typeof args.logFile === 'string' && args.logFile ? { logFile: args.logFile } : {}),
      ...(typeof args.stopFile === 'string' && args.stopFile ? { stopFile: args.stopFile } : {}),
    },
  };
  try {
    return await command.run(args, ctx);
  } catch (err) {
    // A clash with the log file itself is not written into it (it may be the ledger's name).
    const clashesWithLog = err instanceof FileClashError && logFile !== undefined && err.files.includes(logFile);
    const code = reportError(err, ctx, Boolean(args.debug), !clashesWithLog);
    return command.errorExitCode?.(argv) ?? code;
  } finally {
    if (stopWatch) clearInterval(stopWatch);
    if (io.handleSignals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    await logger.close();
  }
}

function reportError(err: unknown, ctx: CommandContext, debug: boolean, toLogFile = true): number {
  const text = err instanceof InputError ? err.toString() : err instanceof Error ? err.message : String(err);
  // At error level in --log-file, so a scheduled task's log says why the run failed; the console
  // gets the message below instead.
  if (toLogFile) ctx.logger.error(`command failed: ${safeMessage(text)}`, { fileOnly: true, exitCode: err instanceof KeytoolError ? err.exitCode : 1 });
  ctx.stderr.write(`error: ${safeMessage(redactSecrets(text))}\n`);
  if (debug && err instanceof Error && err.stack) ctx.stderr.write(redactSecrets(err.stack) + '\n');
  if (err instanceof KeytoolError) return err.exitCode;
  if (!debug) ctx.stderr.write('This is a bug in zivver-keytool; run again with --debug for details.\n');
  return ExitCode.Partial;
}
