/** What a certifier's device keeps for days without a network: downloaded inspection plans,
 * the observations made against them, and the photos and observation files they cite.
 *
 * Its own IndexedDB database (`biotraza-certifier`), apart from the outbox: inspections are
 * drafts the inspector revisits, the outbox holds only what was signed. Files are stored by
 * their SHA-256 (the name the ledger and the server's blob store use), once, whatever the
 * number of observations citing them, with a flag set once the server holds them — so a file
 * is never uploaded twice (`uploadBlobs`).
 *
 * A plan is accepted only when its standard hashes to the `standard_hash` it claims: the
 * device signs that hash, and evaluates the criteria it was given.
 */
import { openDB, type IDBPDatabase } from "idb";
import { b64urlEncode, hexEncode, sha256 } from "../crypto/encoding";
import { canonicalBytes } from "../crypto/jcs";
import type { Signer } from "../crypto/ed25519";
import { formatTs, newNonce } from "../crypto/statements";
import { standardHash } from "./evaluate";
import type { Observation, Plan } from "./inspection";

export const CERTIFIER_DB_NAME = "biotraza-certifier";
const PLANS = "plans";
const OBSERVATIONS = "observations";
const BLOBS = "blobs";

export interface StoredPlan {
  /** `association|standard@version|product`. */
  readonly key: string;
  readonly plan: Plan;
  readonly downloadedAt: string;
}

export interface StoredObservation extends Observation {
  readonly planKey: string;
  /** Where and when it was made (also in its observation.json attachment). */
  readonly observedAt: string;
  /** The outbox key of its signed evidence.recorded, once signed. */
  readonly outboxKey: string | null;
}

export interface StoredBlob {
  readonly sha256: string;
  readonly mediaType: string;
  readonly bytes: Uint8Array;
  readonly uploaded: boolean;
}

export function planKey(plan: Plan): string {
  return `${plan.association_id}|${plan.standard.id}@${plan.standard.version}|${plan.product}`;
}

/** Why a plan answer cannot be used; the screen says it in the user's language. */
export class PlanError extends Error {
  constructor(readonly code: "http" | "shape" | "hash", readonly status: number = 0) {
    super(`inspection plan refused: ${code}${status ? ` (HTTP ${status})` : ""}`);
  }
}

/** Download the plan of an association against a standard version for a product. */
export async function downloadPlan(
  fetcher: typeof fetch,
  associationId: string,
  standard: string,
  product: string,
): Promise<Plan> {
  const query = new URLSearchParams({ standard, product });
  const response = await fetcher(`/api/v1/inspection-plans/${encodeURIComponent(associationId)}?${query}`, {
    headers: { Accept: "application/json" },
    cache: "no-store",
  });
  if (!response.ok) throw new PlanError("http", response.status);
  const plan = (await response.json()) as Plan;
  if (!plan || typeof plan !== "object" || !Array.isArray(plan.sections) || !Array.isArray(plan.evidence) || !plan.standard) {
    throw new PlanError("shape");
  }
  if ((await standardHash(plan.standard)) !== plan.standard_hash) throw new PlanError("hash");
  return plan;
}

export class CertifierStore {
  private constructor(private readonly db: IDBPDatabase) {}

  static async open(name: string = CERTIFIER_DB_NAME): Promise<CertifierStore> {
    const db = await openDB(name, 1, {
      upgrade(database) {
        database.createObjectStore(PLANS, { keyPath: "key" });
        const observations = database.createObjectStore(OBSERVATIONS, { keyPath: "evidence_id" });
        observations.createIndex("planKey", "planKey");
        database.createObjectStore(BLOBS, { keyPath: "sha256" });
      },
    });
    db.addEventListener("versionchange", () => db.close());
    return new CertifierStore(db);
  }

  close(): void {
    this.db.close();
  }

  async savePlan(plan: Plan, now: Date = new Date()): Promise<StoredPlan> {
    const stored: StoredPlan = { key: planKey(plan), plan, downloadedAt: now.toISOString() };
    await this.db.put(PLANS, stored);
    return stored;
  }

  async plans(): Promise<StoredPlan[]> {
    return (await this.db.getAll(PLANS)) as StoredPlan[];
  }

  async saveObservation(observation: StoredObservation): Promise<void> {
    await this.db.put(OBSERVATIONS, observation);
  }

  async observations(key: string): Promise<StoredObservation[]> {
    return (await this.db.getAllFromIndex(OBSERVATIONS, "planKey", key)) as StoredObservation[];
  }

  /** Store a file under its SHA-256 (once); returns the hash. */
  async putBlob(bytes: Uint8Array, mediaType: string): Promise<string> {
    const digest = hexEncode(await sha256(bytes));
    const tx = this.db.transaction(BLOBS, "readwrite");
    if ((await tx.store.get(digest)) === undefined) {
      await tx.store.put({ sha256: digest, mediaType, bytes: new Uint8Array(bytes), uploaded: false } satisfies StoredBlob);
    }
    await tx.done;
    return digest;
  }

  async blob(digest: string): Promise<StoredBlob | undefined> {
    return (await this.db.get(BLOBS, digest)) as StoredBlob | undefined;
  }

  async pendingBlobs(): Promise<StoredBlob[]> {
    return ((await this.db.getAll(BLOBS)) as StoredBlob[]).filter((b) => !b.uploaded);
  }

  async markUploaded(digest: string): Promise<void> {
    const found = await this.blob(digest);
    if (found && !found.uploaded) await this.db.put(BLOBS, { ...found, uploaded: true });
  }
}

export const UPLOAD_DOMAIN = "biotraza:blob-upload:v1\n";

/** The `Authorization` header for uploading one file (`ledger.upload_auth.sign_upload`):
 * signed by a ledger key for this hash and size, good for one upload. */
export async function uploadAuthorization(
  signer: Signer,
  keyIdHex: string,
  digest: string,
  size: number,
  options: { ts?: string; nonce?: string } = {},
): Promise<string> {
  const auth = {
    v: 1,
    key: keyIdHex,
    sha256: digest,
    size,
    ts: options.ts ?? formatTs(new Date()),
    nonce: options.nonce ?? newNonce(),
  };
  const payload = canonicalBytes(auth);
  const message = new Uint8Array(UPLOAD_DOMAIN.length + payload.length);
  message.set(new TextEncoder().encode(UPLOAD_DOMAIN));
  message.set(payload, UPLOAD_DOMAIN.length);
  const signature = await signer.sign(message);
  return `Biotraza-Upload ${b64urlEncode(payload)}.${b64urlEncode(signature)}`;
}

export interface UploadReport {
  readonly uploaded: number;
  /** Already on the server: asked with HEAD, not sent again. */
  readonly present: number;
  /** Left for the next sync (network or server trouble), with the HTTP status (0: network). */
  readonly failed: readonly { readonly sha256: string; readonly status: number }[];
}

/** Send every file the server does not hold yet. A HEAD first: a file the server has is
 * marked and never sent; each PUT carries a fresh authorization. Resumable: whatever fails
 * stays pending for the next call. */
export async function uploadBlobs(
  store: CertifierStore,
  signer: Signer,
  keyIdHex: string,
  fetcher: typeof fetch = fetch,
): Promise<UploadReport> {
  let uploaded = 0;
  let present = 0;
  const failed: { sha256: string; status: number }[] = [];
  for (const blob of await store.pendingBlobs()) {
    const url = `/api/v1/blobs/${blob.sha256}`;
    try {
      const head = await fetcher(url, { method: "HEAD", cache: "no-store" });
      if (head.ok) {
        await store.markUploaded(blob.sha256);
        present += 1;
        continue;
      }
      const authorization = await uploadAuthorization(signer, keyIdHex, blob.sha256, blob.bytes.length);
      const put = await fetcher(url, {
        method: "PUT",
        headers: { Authorization: authorization, "Content-Type": blob.mediaType },
        body: new Uint8Array(blob.bytes),
      });
      if (put.status === 200 || put.status === 201) {
        await store.markUploaded(blob.sha256);
        uploaded += 1;
      } else {
        failed.push({ sha256: blob.sha256, status: put.status });
      }
    } catch {
      failed.push({ sha256: blob.sha256, status: 0 });
    }
  }
  return { uploaded, present, failed };
}
