/**
 * Constancias (office): a member's production-history credential issued with the
 * association's key, which never leaves this browser.
 *
 * 1. `GET /api/v1/credentials/draft/{producer}` with a read signed by the key: the server
 *    computes the history from the ledger and answers the unsigned credential;
 * 2. the key signs it here (`eddsa-jcs-2022`) and signs its `credential.issued` statement;
 * 3. `POST /api/v1/credentials` records the statement once the server checked the pair.
 *
 * The credential is not kept by the server: it is kept here (localStorage, this computer
 * only) so that the office can download it again (JSON, PDF) and revoke it. Revoking is the
 * association's `credential.revoked` statement, sent like any other.
 */
import { createDataIntegrityProof } from "../crypto/dataIntegrity";
import { signRead } from "../crypto/signedRead";
import { formatTs, signStatement, type JsonObject } from "../crypto/statements";
import type { SubmitOutcome } from "../sync/outcomes";
import type { AssociationKey } from "./associationKey";
import { submit } from "./api";

export interface Member {
  readonly producer_id: string;
  readonly community?: string | null;
}

/** A credential issued from this browser. */
export interface Issued {
  readonly credential_id: string;
  readonly producer_id: string;
  readonly seq: number;
  readonly issued_at: string;
  readonly credential: JsonObject;
  readonly revoked?: { readonly reason: string; readonly seq: number } | undefined;
}

/** A refusal with the field the server named (empty when it named none). */
export class CredentialRequestError extends Error {
  override readonly name = "CredentialRequestError";
  constructor(
    readonly status: number,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export type IssueStep = "draft" | "sign" | "record";
export const ISSUE_STEPS: readonly IssueStep[] = ["draft", "sign", "record"];

async function failure(response: Response): Promise<CredentialRequestError> {
  try {
    const body = (await response.json()) as { error?: { message?: string; fields?: { field: string; reason: string }[] } };
    const first = body.error?.fields?.[0];
    return new CredentialRequestError(response.status, first?.field ?? "", first?.reason ?? body.error?.message ?? "");
  } catch {
    return new CredentialRequestError(response.status, "", `HTTP ${response.status}`);
  }
}

/** The association's members (pseudonymous), sorted by id. */
export async function members(orgId: string): Promise<Member[]> {
  const response = await fetch(`/api/v1/producers?org_id=${encodeURIComponent(orgId)}`, { cache: "no-store" });
  if (!response.ok) throw await failure(response);
  const found = ((await response.json()) as { data: Member[] }).data;
  return [...found].sort((a, b) => a.producer_id.localeCompare(b.producer_id));
}

/** Issue a member's credential; `onStep` reports each step as it starts. */
export async function issue(key: AssociationKey, producerId: string, withName: boolean, onStep: (step: IssueStep) => void): Promise<Issued> {
  onStep("draft");
  const path = `/api/v1/credentials/draft/${encodeURIComponent(producerId)}?with_name=${withName ? "true" : "false"}`;
  const drafted = await fetch(path, { headers: { authorization: await signRead(key, path), accept: "application/json" }, cache: "no-store" });
  if (!drafted.ok) throw await failure(drafted);
  const draft = (await drafted.json()) as { credential: JsonObject; statement_body: JsonObject };
  onStep("sign");
  const credential = (await createDataIntegrityProof(draft.credential, key, formatTs(new Date()))) as JsonObject;
  const statement = await signStatement(key, "credential.issued", draft.statement_body);
  onStep("record");
  const recorded = await fetch("/api/v1/credentials", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ credential, statement }),
  });
  if (!recorded.ok) throw await failure(recorded);
  const answer = (await recorded.json()) as { credential_id: string; seq: number };
  return { credential_id: answer.credential_id, producer_id: producerId, seq: answer.seq, issued_at: new Date().toISOString(), credential };
}

/** The printable constancia (PDF, Spanish, with its QR) of a valid credential. */
export async function pdf(credential: JsonObject): Promise<Blob> {
  const response = await fetch("/api/v1/credentials/pdf", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(credential),
  });
  if (!response.ok) throw await failure(response);
  return response.blob();
}

export function revokeCredential(key: AssociationKey, credentialId: string, reason: string): Promise<SubmitOutcome> {
  return submit(key, "credential.revoked", { credential_id: credentialId, reason });
}

const STORED = "biotraza.office.credentials";

/** The credentials issued from this browser, newest first. */
export function issuedHere(): Issued[] {
  try {
    const text = globalThis.localStorage?.getItem(STORED);
    return text ? (JSON.parse(text) as Issued[]) : [];
  } catch {
    return [];
  }
}

function keep(list: readonly Issued[]): void {
  globalThis.localStorage?.setItem(STORED, JSON.stringify(list));
}

export function remember(issued: Issued): void {
  keep([issued, ...issuedHere().filter((i) => i.credential_id !== issued.credential_id)]);
}

export function markRevoked(credentialId: string, reason: string, seq: number): void {
  keep(issuedHere().map((i) => (i.credential_id === credentialId ? { ...i, revoked: { reason, seq } } : i)));
}
