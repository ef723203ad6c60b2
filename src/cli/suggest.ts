/**
 * Turning yargs' terse parse failures into messages an admin can act on: "did you mean",
 * the command's own --help, and why an API key is never accepted on the command line.
 */
import type { KeytoolCommand } from './command.js';

/**
 * What a command's builder declares, read by running it against a recorder instead of yargs:
 * every yargs call returns the recorder, .option() and .example() calls are noted.
 */
function recordBuilder(command: KeytoolCommand): { options: string[]; examples: Array<[string, string]> } {
  const options = new Set<string>(['help', 'version']);
  const examples: Array<[string, string]> = [];
  const recorder: Record<string, unknown> = new Proxy(
    {},
    {
      get(_target, prop) {
        return (...args: unknown[]) => {
          if ((prop === 'option' || prop === 'options') && typeof args[0] === 'string') {
            options.add(args[0]);
            const def = args[1] as { alias?: string | string[] } | undefined;
            for (const a of [def?.alias ?? []].flat()) options.add(a);
          }
          if (prop === 'example' && typeof args[0] === 'string') examples.push([args[0], String(args[1] ?? '')]);
          return recorder;
        };
      },
    },
  );
  command.builder(recorder as never);
  return { options: [...options], examples };
}

/** The long option names (and aliases) a command declares. */
export function optionNamesOf(command: KeytoolCommand): string[] {
  return recordBuilder(command).options;
}

/** The (command, description) pairs a command declares with .example(). */
export function examplesOf(command: KeytoolCommand): Array<[string, string]> {
  return recordBuilder(command).examples;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length][b.length];
}

export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

const flag = (n: string) => (n.length === 1 ? `-${n}` : `--${n}`);

/**
 * Rewrites a yargs failure message. `commands` are the known commands; `argv` the raw arguments.
 * Returns the lines to print after "error: ".
 */
export function explainParseFailure(message: string, argv: readonly string[], commands: readonly KeytoolCommand[]): string {
  const command = commands.find((c) => c.command.split(' ')[0] === argv[0]);
  const helpHint = command ? `Run 'zivver-keytool ${argv[0]} --help' for its options.` : `Run 'zivver-keytool --help' for usage.`;
  if (!command && argv[0] && !argv[0].startsWith('-')) {
    const names = commands.map((c) => c.command.split(' ')[0]);
    const guess = closest(argv[0], names);
    return `unknown command "${argv[0]}"${guess ? ` (did you mean ${guess}?)` : ''}; commands: ${names.join(', ')}\n${helpHint}`;
  }
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (!unknown) return `${message}\n${helpHint}`;
  // yargs lists each unknown option twice (key-sorce, keySorce): keep the spelling the admin typed.
  const names = unknown[1].split(', ').filter((n) => !/[A-Z]/.test(n) || !unknown[1].includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
  if (names.some((n) => /^(api-?key|apikey|key|token|api-token)$/i.test(n))) {
    return (
      'the Zivver API key is never taken from the command line (command lines show up in process lists, ' +
      'shell history and task definitions).\n  Set the environment variable ZIVVER_API_KEY, or put the key in a file ' +
      'only you can read and give --api-key-file <path>.'
    );
  }
  const known = command ? optionNamesOf(command) : [];
  const parts = names.map((n) => {
    const guess = known.length ? closest(n, known) : undefined;
    // yargs reads --no-x as "x = false", so an unknown --no-such-flag arrives here as "such-flag".
    const typed = argv.find((a) => [`--${n}`, `-${n}`, `--no-${n}`].includes(a.split('=')[0]))?.split('=')[0];
    const positional = typed === undefined;
    const what = positional ? `unexpected argument "${n}"` : `unknown option ${typed}`;
    return guess && !positional ? `${what} (did you mean ${flag(guess)}?)` : what;
  });
  return `${parts.join('; ')}\n${helpHint}`;
}
