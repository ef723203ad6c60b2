/**
 * Which media type the client speaks. Every client known to write Zivver users (Tools4ever's
 * HelloID connector, the Python zivverscim package, Zivver's own Cloud Sync) sends
 * `PUT /Users/{id}` with `Content-Type: application/json`; Zivver's Group PATCH is known to need
 * `application/scim+json` (415 without it) and an Accept that includes it (406 otherwise). So
 * writes start with application/json, every request accepts both types, and when Zivver refuses
 * the type (415, or 406) the client switches to the other one for the rest of the run, once, and
 * repeats that request unchanged otherwise: a run never fails a row over a media type.
 *
 * Until Zivver has once taken a request of a kind (read or write) with the current type, requests
 * of that kind go one at a time, so a refusal costs one request, not one per request in flight.
 */
export const SCIM_JSON = 'application/scim+json';
export const PLAIN_JSON = 'application/json';
export type MediaType = typeof SCIM_JSON | typeof PLAIN_JSON;
export type RequestKind = 'read' | 'write';

export function otherMediaType(t: MediaType): MediaType {
  return t === PLAIN_JSON ? SCIM_JSON : PLAIN_JSON;
}

/** The Accept header sent with `t` as the current type: both types, the current one first. */
export function acceptHeader(t: MediaType): string {
  return `${t}, ${otherMediaType(t)}`;
}

/** Statuses that say nothing about whether the media type suits the server. */
const UNINFORMATIVE = new Set([401, 403, 407, 408, 429]);

export type MediaVerdict =
  /** Refused for its media type, and another is worth a try: repeat with `current`. */
  | 'retry'
  /** The answer stands (accepted, or refused with both types). */
  | 'final';

export class MediaTypeChoice {
  private currentType: MediaType;
  private switchedOnce = false;
  private readonly confirmed: Record<RequestKind, boolean> = { read: false, write: false };
  private readonly queue: Record<RequestKind, Promise<void>> = { read: Promise.resolve(), write: Promise.resolve() };

  constructor(
    initial: MediaType = PLAIN_JSON,
    private readonly onSwitch: (message: string) => void = () => {},
  ) {
    this.currentType = initial;
  }

  /** The type writes are sent with now (and listed first in Accept). */
  get current(): MediaType {
    return this.currentType;
  }

  /** Whether the client has switched away from the type it started with. */
  get switched(): boolean {
    return this.switchedOnce;
  }

  /**
   * Waits until a request of this kind may go: at once when the type is known to work, else
   * after the request ahead of it has had its answer. Call the returned function when done.
   */
  async turn(kind: RequestKind): Promise<() => void> {
    if (this.confirmed[kind]) return noop;
    const ahead = this.queue[kind];
    let done!: () => void;
    this.queue[kind] = new Promise<void>((resolve) => (done = resolve));
    await ahead;
    if (this.confirmed[kind]) {
      done();
      return noop;
    }
    return done;
  }

  /**
   * Judges an answer to a request of `kind` sent with media type `sent`. A 415 or 406 leads to
   * one switch per run (logged through onSwitch with the reason); a request refused with a type
   * the client has since left is simply repeated with the current one.
   */
  judge(kind: RequestKind, sent: MediaType, status: number, describe: () => string): MediaVerdict {
    if (status !== 415 && status !== 406) {
      if ((status < 300 || (status >= 400 && status < 500)) && !UNINFORMATIVE.has(status)) {
        this.confirmed[kind] = true;
      }
      return 'final';
    }
    if (sent !== this.currentType) return 'retry';
    if (this.switchedOnce) return 'final';
    this.switchedOnce = true;
    this.currentType = otherMediaType(sent);
    this.onSwitch(describe());
    return 'retry';
  }
}

function noop(): void {}
