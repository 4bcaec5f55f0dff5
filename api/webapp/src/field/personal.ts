/**
 * A member's personal data: hashed into the signed entry, kept on the phone only until the
 * server has it, and sent to `POST /api/v1/producers` — never into the ledger.
 *
 * The server's producers route takes `{entry, personal_data, salt}` and checks that the
 * entry's `pii_hash` is `SHA-256(salt ‖ JCS(personal_data))`; it appends the entry (or, if the
 * outbox already delivered it, answers with the entry it became: the route is idempotent)
 * and keeps the data in its erasable side table. So the signed `producer.registered` also
 * travels through the outbox like every capture (whichever arrives first appends it, the
 * other gets the same entry back), and this module sends the data as soon as there is a
 * network; on success the phone forgets the data. A member entry depends on nothing, so
 * sending it ahead of the outbox never breaks the capture order.
 */
import { openDB, type IDBPDatabase } from "idb";
import { concatBytes, hexDecode, hexEncode, sha256 } from "../crypto/encoding";
import { canonicalBytes } from "../crypto/jcs";
import type { SignedStatement } from "../crypto/statements";
import type { PersonalData } from "./bodies";

export const PERSONAL_DB_NAME = "biotraza-personal";
const STORE = "pending";

/** A fresh 32-byte salt as 64 lowercase hex (`ledger.supply.producers.new_salt`). */
export function newSalt(): string {
  return hexEncode(crypto.getRandomValues(new Uint8Array(32)));
}

/** `SHA-256(salt ‖ JCS(data))` hex: what the ledger keeps instead of the data. */
export async function personalDataHash(salt: string, data: PersonalData): Promise<string> {
  return hexEncode(await sha256(concatBytes(hexDecode(salt, 32), canonicalBytes(data))));
}

export interface PendingPersonal {
  /** The outbox key of the producer entry (`actor:nonce`). */
  readonly key: string;
  readonly entry: SignedStatement;
  readonly personal_data: PersonalData;
  readonly salt: string;
  /** The server's refusal (code and reason), kept so the office can see it; null if none. */
  readonly refusal: { code: string; reason: string } | null;
}

export class PersonalStore {
  private constructor(private readonly db: IDBPDatabase) {}

  static async open(name: string = PERSONAL_DB_NAME): Promise<PersonalStore> {
    const db = await openDB(name, 1, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) database.createObjectStore(STORE, { keyPath: "key" });
      },
    });
    return new PersonalStore(db);
  }

  close(): void {
    this.db.close();
  }

  async put(record: PendingPersonal): Promise<void> {
    await this.db.put(STORE, record);
  }

  async list(): Promise<PendingPersonal[]> {
    return (await this.db.getAll(STORE)) as PendingPersonal[];
  }

  async remove(key: string): Promise<void> {
    await this.db.delete(STORE, key);
  }
}

/**
 * Send every pending record not refused before. 200/201: the server has the data, the phone
 * forgets it. Another 4xx: kept, with the reason (the office sees the same refusal on the
 * member's outbox item). Network trouble, 5xx, 403 (the device not enrolled yet) or a busy
 * server: kept, tried again next time. Returns how
 * many were sent.
 */
export async function uploadPersonalData(store: PersonalStore, fetcher: typeof fetch = fetch, baseUrl = ""): Promise<number> {
  let sent = 0;
  for (const record of await store.list()) {
    if (record.refusal !== null) continue;
    let response: Response;
    try {
      response = await fetcher(`${baseUrl}/api/v1/producers`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ entry: record.entry, personal_data: record.personal_data, salt: record.salt }),
      });
    } catch {
      return sent;
    }
    if (response.status === 200 || response.status === 201) {
      await store.remove(record.key);
      sent += 1;
    } else if (response.status >= 400 && response.status < 500 && ![403, 408, 425, 429].includes(response.status)) {
      const answer = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      await store.put({ ...record, refusal: { code: answer.error?.code ?? String(response.status), reason: answer.error?.message ?? "" } });
    } else {
      return sent;
    }
  }
  return sent;
}
