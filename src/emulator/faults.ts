/**
 * Fault injection: which rule (if any) applies to a request. Rules fire in order; `times`,
 * `skip` and `probability` are tracked per rule, with a seeded PRNG so a failing test replays.
 */
import { mulberry32, type Rng } from './prng.js';
import type { FaultRule, FaultRuleJson } from './types.js';

interface RuleState {
  rule: FaultRule;
  seen: number;
  fired: number;
}

export class FaultInjector {
  private states: RuleState[] = [];
  private rng: Rng;

  constructor(rules: FaultRule[] = [], seed = 1) {
    this.rng = mulberry32(seed);
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    for (const r of rules) validateRule(r);
    this.states = rules.map((rule) => ({ rule, seen: 0, fired: 0 }));
  }

  rules(): FaultRule[] {
    return this.states.map((s) => s.rule);
  }

  /** The rule that fires for this request, counting it as fired; undefined when none. */
  match(method: string, relUrl: string): FaultRule | undefined {
    for (const s of this.states) {
      const { rule } = s;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (rule.path !== undefined) {
        if (typeof rule.path === 'string' ? !relUrl.includes(rule.path) : !testRegex(rule.path, relUrl)) continue;
      }
      if (rule.times !== undefined && s.fired >= rule.times) continue;
      s.seen++;
      if (rule.skip !== undefined && s.seen <= rule.skip) continue;
      if (rule.probability !== undefined && this.rng() >= rule.probability) continue;
      s.fired++;
      return rule;
    }
    return undefined;
  }
}

function testRegex(re: RegExp, s: string): boolean {
  // A /g or /y RegExp keeps lastIndex between calls; reset it so every request is judged alike.
  re.lastIndex = 0;
  return re.test(s);
}

function validateRule(r: FaultRule): void {
  if (!r || typeof r !== 'object') throw new TypeError('a fault rule must be an object');
  if (r.status !== undefined && (!Number.isInteger(r.status) || r.status < 100 || r.status > 599)) {
    throw new TypeError(`fault rule status must be an HTTP status, got ${String(r.status)}`);
  }
  if (r.probability !== undefined && !(r.probability >= 0 && r.probability <= 1)) {
    throw new TypeError('fault rule probability must be between 0 and 1');
  }
  for (const k of ['times', 'skip', 'delayMs'] as const) {
    const v = r[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new TypeError(`fault rule ${k} must be a non-negative number`);
  }
  if (r.path !== undefined && typeof r.path !== 'string' && !(r.path instanceof RegExp)) {
    throw new TypeError('fault rule path must be a string or a RegExp');
  }
}

/** Rules as JSON carries them (admin endpoint, CLI): `pathRegex` becomes a RegExp. */
export function faultRulesFromJson(json: unknown): FaultRule[] {
  const list = Array.isArray(json) ? json : (json as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) throw new TypeError('expected a JSON array of fault rules (or {"rules": [...]})');
  return list.map((raw: FaultRuleJson) => {
    if (!raw || typeof raw !== 'object') throw new TypeError('a fault rule must be an object');
    const { pathRegex, pathRegexFlags, ...rest } = raw;
    const rule: FaultRule = { ...rest };
    if (pathRegex !== undefined) rule.path = new RegExp(pathRegex, pathRegexFlags);
    validateRule(rule);
    return rule;
  });
}

/** Rules as JSON (for GET /_emulator/faults). */
export function faultRulesToJson(rules: FaultRule[]): FaultRuleJson[] {
  return rules.map((r) => {
    const { path, ...rest } = r;
    if (path instanceof RegExp) return { ...rest, pathRegex: path.source, pathRegexFlags: path.flags };
    return path === undefined ? rest : { ...rest, path };
  });
}
