/**
 * The browser's signing and verification against the SAME known answers the Python tests use:
 * RFC 8032 §7.1, the golden genesis entry, the frozen checkpoint/inclusion vector written by
 * the Python code, the RFC 6962 tree, transparency-dev/merkle's inclusion probes and the C2SP /
 * Go signed-note vectors. Signing runs on both backends (WebCrypto and the noble fallback).
 */
import { describe, expect, it } from "vitest";
import { keyMaterialFromSeed, signerFrom, verifyEd25519, type Backend } from "../src/crypto/ed25519";
import { b64Decode, b64urlDecode, hexDecode, hexEncode, sha256, utf8 } from "../src/crypto/encoding";
import { entryHashHex, leafBytes } from "../src/crypto/entries";
import { leafHash } from "../src/crypto/hashing";
import { canonicalText } from "../src/crypto/jcs";
import { encodePublicKey, keyId } from "../src/crypto/keys";
import { ProofError, verifyInclusion, inclusionProofSize } from "../src/crypto/merkle";
import {
  CheckpointError,
  openNote,
  parseVerifierKey,
  verifyCheckpoint,
  verifyInclusionDocument,
  type InclusionProofDocument,
} from "../src/crypto/checkpoints";
import { formatTs, newNonce, signStatement, signedMessage, type JsonObject, type Statement } from "../src/crypto/statements";
import { jsonFilesUnder, readVector } from "./vectors";

const BACKENDS: Backend[] = ["webcrypto", "noble"];

async function testSeed(name: string): Promise<Uint8Array> {
  return sha256(utf8(`biotraza-test:${name}`)); // tests.factories.make_key
}

interface Rfc8032 { vectors: { name: string; secret_key: string; public_key: string; message: string; signature: string }[] }
const rfc8032 = readVector<Rfc8032>("rfc8032_ed25519.json");

describe.each(BACKENDS)("RFC 8032 §7.1 on %s", (backend) => {
  for (const v of rfc8032.vectors) {
    it(v.name, async () => {
      const signer = signerFrom(await keyMaterialFromSeed(hexDecode(v.secret_key), backend));
      expect(hexEncode(signer.publicKey)).toBe(v.public_key);
      const signature = await signer.sign(hexDecode(v.message));
      expect(hexEncode(signature)).toBe(v.signature);
      expect(await verifyEd25519(signer.publicKey, hexDecode(v.message), signature)).toBe(true);
      const flipped = Uint8Array.from(signature);
      flipped[0] = (flipped[0] ?? 0) ^ 1;
      expect(await verifyEd25519(signer.publicKey, hexDecode(v.message), flipped)).toBe(false);
    });
  }
});

interface Golden {
  keys: Record<"root" | "operator", { public_key: string; key_id: string }>;
  statement: Statement;
  statement_jcs: string;
  signing_domain: string;
  signed_message_sha256: string;
  sig: string;
  seq: number;
  prev: string;
  leaf: string;
  entry_hash: string;
}
const golden = readVector<Golden>("golden_entry.json");

describe.each(BACKENDS)("golden genesis entry on %s", (backend) => {
  it("key ids and public-key text match ledger/keys.py", async () => {
    for (const name of ["root", "operator"] as const) {
      const signer = signerFrom(await keyMaterialFromSeed(await testSeed(name), backend));
      expect(encodePublicKey(signer.publicKey)).toBe(golden.keys[name].public_key);
      expect(await keyId(signer.publicKey)).toBe(golden.keys[name].key_id);
    }
  });

  it("statement JCS, signed message, signature, leaf and entry hash match byte for byte", async () => {
    const signer = signerFrom(await keyMaterialFromSeed(await testSeed("root"), backend));
    const g = golden.statement;
    const signed = await signStatement(signer, g.type, g.body, { ts: g.ts, nonce: g.nonce });
    expect(signed.statement).toEqual(g);
    expect(canonicalText(signed.statement)).toBe(golden.statement_jcs);
    expect(golden.signing_domain).toBe("biotraza:statement:v1\n");
    expect(hexEncode(await sha256(signedMessage(signed.statement)))).toBe(golden.signed_message_sha256);
    expect(signed.sig).toBe(golden.sig);
    const placement = { seq: golden.seq, prev: golden.prev, log_time: null };
    expect(new TextDecoder().decode(leafBytes(signed, placement))).toBe(golden.leaf);
    expect(await entryHashHex(signed, placement)).toBe(golden.entry_hash);
  });
});

describe("statement fields", () => {
  it("ts is RFC 3339 UTC in whole seconds, as format_ts", () => {
    expect(formatTs(new Date(Date.UTC(2026, 2, 1, 12, 0, 0, 987)))).toBe("2026-03-01T12:00:00Z");
  });
  it("nonce is 24 base64url characters of 18 random bytes, fresh each time", () => {
    const a = newNonce();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(b64urlDecode(a, 18)).toHaveLength(18);
    expect(newNonce()).not.toBe(a);
  });
  it("refuses a statement the server could never admit", async () => {
    const signer = signerFrom(await keyMaterialFromSeed(await testSeed("root"), "noble"));
    await expect(signStatement(signer, "NoDots", {})).rejects.toThrow(/statement.type/);
    await expect(signStatement(signer, "a.b", {}, { ts: "2026-02-30T00:00:00Z" })).rejects.toThrow(/statement.ts/);
    await expect(signStatement(signer, "a.b", {}, { nonce: "short" })).rejects.toThrow(/statement.nonce/);
    await expect(signStatement(signer, "a.b", { blob: "x".repeat(70_000) })).rejects.toThrow(/larger/);
  });
  it("defaults: now and a fresh nonce, so two captures are two statements", async () => {
    const signer = signerFrom(await keyMaterialFromSeed(await testSeed("root"), "noble"));
    const a = await signStatement(signer, "a.b", { x: 1 });
    const b = await signStatement(signer, "a.b", { x: 1 });
    expect(a.statement.nonce).not.toBe(b.statement.nonce);
    expect(Math.abs(Date.parse(a.statement.ts) - Date.now())).toBeLessThan(60_000);
  });
});

interface FrozenEntry {
  seq: number; prev: string; log_time: string; statement: Statement; sig: string;
  statement_jcs: string; leaf: string; entry_hash: string;
}
interface CheckpointVector {
  device: { public_key: string; key_id: string };
  origin: string;
  operator_verifier_key: string;
  entries: FrozenEntry[];
  checkpoint: string;
  root_hash: string;
  inclusion_proofs: InclusionProofDocument[];
}
const cpv = readVector<CheckpointVector>("checkpoint_inclusion.json");

describe.each(BACKENDS)("frozen checkpoint/inclusion vector (written by the Python code) on %s", (backend) => {
  it("re-signing each statement gives the same sig, leaf and entry hash", async () => {
    const signer = signerFrom(await keyMaterialFromSeed(await testSeed("device"), backend));
    expect(encodePublicKey(signer.publicKey)).toBe(cpv.device.public_key);
    for (const e of cpv.entries) {
      const s = e.statement;
      const signed = await signStatement(signer, s.type, s.body as JsonObject, { ts: s.ts, nonce: s.nonce });
      expect(canonicalText(signed.statement)).toBe(e.statement_jcs);
      expect(signed.sig).toBe(e.sig);
      const placement = { seq: e.seq, prev: e.prev, log_time: e.log_time };
      expect(new TextDecoder().decode(leafBytes(signed, placement))).toBe(e.leaf);
      expect(await entryHashHex(signed, placement)).toBe(e.entry_hash);
    }
  });
});

describe("frozen checkpoint/inclusion vector: verification", () => {
  it("every proof verifies against the operator-signed checkpoint", async () => {
    const operator = await parseVerifierKey(cpv.operator_verifier_key);
    for (const [i, proof] of cpv.inclusion_proofs.entries()) {
      const leaf = hexDecode(cpv.entries[i]?.entry_hash ?? "");
      const cp = await verifyInclusionDocument(proof, cpv.checkpoint, operator, leaf);
      expect(hexEncode(cp.rootHash)).toBe(cpv.root_hash);
      expect(cp.treeSize).toBe(cpv.entries.length);
      expect(cp.origin).toBe(cpv.origin);
    }
  });
  it("refuses another entry's leaf, a proof for another size, a forged note, another operator", async () => {
    const operator = await parseVerifierKey(cpv.operator_verifier_key);
    const proof = cpv.inclusion_proofs[2] as InclusionProofDocument;
    const other = hexDecode(cpv.entries[3]?.entry_hash ?? "");
    await expect(verifyInclusionDocument(proof, cpv.checkpoint, operator, other)).rejects.toThrow(ProofError);
    await expect(verifyInclusionDocument({ ...proof, tree_size: 4 }, cpv.checkpoint, operator)).rejects.toThrow(ProofError);
    const forged = cpv.checkpoint.replace("\n5\n", "\n4\n");
    await expect(verifyCheckpoint(forged, operator)).rejects.toThrow(CheckpointError);
    const stranger = await parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
    await expect(verifyCheckpoint(cpv.checkpoint, stranger)).rejects.toThrow(/no signature from a known key/);
    const badPath = { ...proof, hashes: [...proof.hashes].reverse() };
    await expect(verifyInclusionDocument(badPath, cpv.checkpoint, operator)).rejects.toThrow(ProofError);
  });
});

interface Rfc6962 {
  leaves_hex: string[];
  inclusion_proofs: { leaf_index: number; tree_size: number; leaf_hex: string; root_hex: string; proof_hex: string[] }[];
}
const rfc6962 = readVector<Rfc6962>("oracles/merkle/rfc6962_vectors.json");

describe("RFC 6962 test tree inclusion proofs", () => {
  for (const p of rfc6962.inclusion_proofs) {
    it(`leaf ${p.leaf_index} of ${p.tree_size}`, async () => {
      const leaf = await leafHash(hexDecode(p.leaf_hex));
      await verifyInclusion(leaf, p.leaf_index, p.tree_size, p.proof_hex.map((h) => hexDecode(h)), hexDecode(p.root_hex));
      if (p.proof_hex.length > 0) {
        const wrongRoot = await leafHash(utf8("x"));
        await expect(
          verifyInclusion(leaf, p.leaf_index, p.tree_size, p.proof_hex.map((h) => hexDecode(h)), wrongRoot),
        ).rejects.toThrow(ProofError);
      }
    });
  }
});

interface Section213 { node_ranges: Record<string, number[]>; node_hashes_hex: Record<string, string>; [k: string]: unknown }
const section213 = readVector<Section213>("oracles/merkle/rfc6962_section_2_1_3_examples.json");

describe("RFC 6962 §2.1.3 worked examples (7-leaf tree)", () => {
  const paths: [number, string[]][] = [[0, ["b", "h", "l"]], [3, ["c", "g", "l"]], [4, ["f", "j", "k"]], [6, ["i", "k"]]];
  const root = async (): Promise<Uint8Array> => {
    const { nodeHash } = await import("../src/crypto/hashing");
    const n = (s: string): Uint8Array => hexDecode(section213.node_hashes_hex[s] ?? "");
    return nodeHash(n("k"), n("l"));
  };
  for (const [index, names] of paths) {
    it(`PATH(${index})`, async () => {
      const leafName = Object.entries(section213.node_ranges).find(([, r]) => r[0] === index && r[1] === index + 1)?.[0] ?? "";
      const proof = names.map((s) => hexDecode(section213.node_hashes_hex[s] ?? ""));
      expect(inclusionProofSize(index, 7)).toBe(names.length);
      await verifyInclusion(hexDecode(section213.node_hashes_hex[leafName] ?? ""), index, 7, proof, await root());
    });
  }
});

interface Probe { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean }
const probes = jsonFilesUnder("oracles/merkle/transparency-dev-merkle/testdata/inclusion");

describe("transparency-dev/merkle inclusion probes", () => {
  it("covers the 98 probes", () => expect(probes.length).toBe(98));
  for (const path of probes) {
    const probe = readVector<Probe>(path);
    it(`${path.split("/inclusion/")[1] ?? path}: ${probe.wantErr ? "refused" : "verifies"}`, async () => {
      const run = verifyInclusion(
        b64Decode(probe.leafHash ?? ""),
        probe.leafIdx,
        probe.treeSize,
        (probe.proof ?? []).map(b64Decode),
        b64Decode(probe.root ?? ""),
      );
      if (probe.wantErr) await expect(run).rejects.toThrow(ProofError);
      else await run;
    });
  }
});

interface NoteVectors { vectors: { name: string; vkey: string; note: string; expect_valid: boolean; expect_verified_by?: string[] }[] }
const notes = readVector<NoteVectors>("oracles/merkle/signed_note_vectors.json");

describe("C2SP / Go signed-note vectors", () => {
  for (const v of notes.vectors) {
    it(v.name, async () => {
      const key = await parseVerifierKey(v.vkey);
      const opened = await openNote(v.note, [key]);
      expect(opened.names).toEqual(v.expect_verified_by ?? [key.name]);
      const tampered = v.note.replace("problem", "Problem").replace("example message", "example massage");
      await expect(openNote(tampered, [key])).rejects.toThrow(CheckpointError);
    });
  }
  it("a verifier key whose id does not match its name and key is refused", async () => {
    const v = notes.vectors[0]?.vkey ?? "";
    await expect(parseVerifierKey(v.replace("+530d903a+", "+530d903b+"))).rejects.toThrow(/key ID/);
  });
});

describe("memoNodeHash", () => {
  it("hashes as nodeHash does, each distinct pair once", async () => {
    const { memoNodeHash } = await import("../src/crypto/merkle");
    const { nodeHash } = await import("../src/crypto/hashing");
    const memo = memoNodeHash();
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(2);
    const first = memo(a, b);
    expect(memo(a, b)).toBe(first); // the same promise: computed once
    expect(await first).toEqual(await nodeHash(a, b));
    expect(await memo(b, a)).toEqual(await nodeHash(b, a));
  });
});
