/**
 * The HTTP client: submit signed statements, read the log's checkpoint and proofs.
 *
 * One interface for both ways of submitting, so the sync loop does not care which the server
 * offers: `submitOne` (`POST /api/v1/entries`) and `submitBatch` (`POST /api/v1/batches`:
 * many statements, one answer per item, in order; `codec.ts`). A server without the batch
 * route (404/405) or a request refused as a whole makes the loop fall back to one by one.
 */
import type { InclusionProofDocument } from "../crypto/checkpoints";
import type { SignedStatement } from "../crypto/statements";
import { batchCodec, type BatchCodec } from "./codec";
import { outcomeFrom, type SubmitOutcome } from "./outcomes";

/** `GET /api/v1/log`. */
export interface LogInfo {
  readonly origin: string;
  readonly operator_key_id: string;
  /** The C2SP verifier key string of the log operator. */
  readonly verifier_key: string;
  readonly size: number;
  readonly head_hash: string;
}

export interface Transport {
  submitOne(signed: SignedStatement): Promise<SubmitOutcome>;
  /** Present when the server has a batch endpoint: one outcome per statement, same order;
   * null when the endpoint refused the request as a whole (absent on an older server, too
   * large, malformed envelope), in which case the caller sends the items one by one. */
  readonly submitBatch?: (signed: readonly SignedStatement[]) => Promise<SubmitOutcome[] | null>;
  /** The latest signed checkpoint note, or null before the log issued one. */
  checkpoint(): Promise<string | null>;
  inclusionProof(seq: number, treeSize: number): Promise<InclusionProofDocument>;
  /** Many proofs in one request (`POST /api/v1/proofs/inclusion`, at most 1,000), in
   * order; null when the server has no such route (then one `inclusionProof` each). */
  readonly inclusionProofs?: (seqs: readonly number[], treeSize: number) => Promise<InclusionProofDocument[] | null>;
  logInfo(): Promise<LogInfo>;
}

export interface HttpTransportOptions {
  readonly fetch?: typeof fetch;
  /** Per-request timeout; a hung request on a weak signal must not hold the run forever. */
  readonly timeoutMs?: number;
  /** The batch endpoint's codec (default: `POST /api/v1/batches`); null sends one by one. */
  readonly batch?: BatchCodec | null;
}

/** A failed read (not a submission): network, or an unexpected status. */
export class TransportError extends Error {
  override readonly name = "TransportError";
  constructor(
    readonly code: "network" | "server_unavailable" | "bad_answer" | "not_found",
    message: string,
  ) {
    super(message);
  }
}

export function httpTransport(baseUrl: string, options: HttpTransportOptions = {}): Transport {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const url = (path: string): string => new URL(path, baseUrl).toString();

  async function request(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const response = await fetchImpl(url(path), { ...init, signal: AbortSignal.timeout(timeoutMs), cache: "no-store" });
    return { status: response.status, text: await response.text() };
  }

  async function post(path: string, payload: unknown): Promise<{ status: number; body: unknown } | SubmitOutcome> {
    let answer: { status: number; text: string };
    try {
      answer = await request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
    } catch (error) {
      return { kind: "retry", code: "network", message: (error as Error).message };
    }
    try {
      return { status: answer.status, body: JSON.parse(answer.text) as unknown };
    } catch {
      return { status: answer.status, body: undefined };
    }
  }

  async function getJson(path: string): Promise<unknown> {
    let answer: { status: number; text: string };
    try {
      answer = await request(path);
    } catch (error) {
      throw new TransportError("network", (error as Error).message);
    }
    if (answer.status === 404) throw new TransportError("not_found", `${path}: 404`);
    if (answer.status !== 200) throw new TransportError(answer.status >= 500 ? "server_unavailable" : "bad_answer", `${path}: HTTP ${answer.status}`);
    try {
      return JSON.parse(answer.text) as unknown;
    } catch {
      throw new TransportError("bad_answer", `${path}: not JSON`);
    }
  }

  const transport: Transport = {
    async submitOne(signed) {
      const answer = await post("api/v1/entries", signed);
      return "kind" in answer ? answer : outcomeFrom(answer.status, answer.body);
    },
    async checkpoint() {
      let answer: { status: number; text: string };
      try {
        answer = await request("api/v1/checkpoint");
      } catch (error) {
        throw new TransportError("network", (error as Error).message);
      }
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw new TransportError("server_unavailable", `checkpoint: HTTP ${answer.status}`);
      return answer.text;
    },
    async inclusionProof(seq, treeSize) {
      return (await getJson(`api/v1/proofs/inclusion?seq=${seq}&tree_size=${treeSize}`)) as InclusionProofDocument;
    },
    async logInfo() {
      return (await getJson("api/v1/log")) as LogInfo;
    },
    async inclusionProofs(seqs, treeSize) {
      let answer: { status: number; text: string };
      try {
        answer = await request("api/v1/proofs/inclusion", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ tree_size: treeSize, seqs }),
        });
      } catch (error) {
        throw new TransportError("network", (error as Error).message);
      }
      if (answer.status === 404 || answer.status === 405) return null;
      if (answer.status !== 200) throw new TransportError(answer.status >= 500 ? "server_unavailable" : "bad_answer", `proofs: HTTP ${answer.status}`);
      let proofs: unknown;
      try {
        proofs = (JSON.parse(answer.text) as { proofs?: unknown }).proofs;
      } catch {
        throw new TransportError("bad_answer", "proofs: not JSON");
      }
      if (!Array.isArray(proofs) || proofs.length !== seqs.length) throw new TransportError("bad_answer", "proofs: not one per seq");
      return proofs as InclusionProofDocument[];
    },
  };
  const codec = options.batch === undefined ? batchCodec : options.batch;
  if (codec === null) return transport;
  return {
    ...transport,
    async submitBatch(signed) {
      const answer = await post(codec.path, codec.encode(signed));
      if ("kind" in answer) return signed.map(() => answer);
      if (answer.status !== 200 && answer.status !== 201 && answer.status !== 207) {
        const outcome = outcomeFrom(answer.status, answer.body);
        // Server down or rate limited: every item waits. Any other refusal of the whole
        // request says nothing about the items: send them one by one.
        return outcome.kind === "retry" ? signed.map(() => outcome) : null;
      }
      let items: { status: number; body: unknown }[];
      try {
        items = codec.decode(answer.body, signed.length);
      } catch {
        return null;
      }
      return items.length === signed.length ? items.map((i) => outcomeFrom(i.status, i.body)) : null;
    },
  };
}
