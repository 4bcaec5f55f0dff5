/**
 * The office's association key: the browser key file Python writes
 * (tests/vectors/browser_key.json, ledger/browser_keyfile.py) opens here with WebCrypto to
 * the same key; a wrong passphrase or a changed field is refused; the imported key is kept
 * non-extractable and signs as the association.
 */
import "fake-indexeddb/auto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { verifyEd25519 } from "../src/crypto/ed25519";
import { utf8 } from "../src/crypto/encoding";
import { KeyFileError, forgetAssociationKey, importAssociationKey, loadAssociationKey, openBrowserKeyFile } from "../src/office/associationKey";

const vector = JSON.parse(readFileSync(new URL("../../../tests/vectors/browser_key.json", import.meta.url), "utf8")) as {
  passphrase: string;
  key_id: string;
  public_key: string;
  file: string;
};

describe("browser key file", () => {
  it("opens Python's vector to the same key", async () => {
    const key = await importAssociationKey(vector.file, vector.passphrase, "office-test-1");
    expect(key.keyId).toBe(vector.key_id);
    expect(key.publicKeyText).toBe(vector.public_key);
    expect(key.backend).toBe("webcrypto");
    const reloaded = await loadAssociationKey("office-test-1");
    expect(reloaded?.keyId).toBe(vector.key_id);
    const signature = await reloaded!.sign(utf8("hola"));
    expect(await verifyEd25519(reloaded!.publicKey, utf8("hola"), signature)).toBe(true);
    await forgetAssociationKey("office-test-1");
    expect(await loadAssociationKey("office-test-1")).toBeUndefined();
  });

  it("refuses a wrong passphrase, a changed field, another file", async () => {
    const wrong = openBrowserKeyFile(vector.file, "cafe de altura 2027");
    await expect(wrong).rejects.toBeInstanceOf(KeyFileError);
    await expect(wrong).rejects.toMatchObject({ code: "wrong_passphrase" });
    const doc = JSON.parse(vector.file) as Record<string, unknown>;
    await expect(openBrowserKeyFile(JSON.stringify({ ...doc, key_id: "00".repeat(16) }), vector.passphrase)).rejects.toMatchObject({ code: "wrong_passphrase" });
    await expect(openBrowserKeyFile(JSON.stringify({ ...doc, kdf: { name: "pbkdf2-sha256", iterations: 1000, salt: "AAECAwQFBgcICQoLDA0ODw" } }), vector.passphrase)).rejects.toMatchObject({ code: "bad_parameters" });
    await expect(openBrowserKeyFile('{"format": "biotraza-keyfile"}', vector.passphrase)).rejects.toMatchObject({ code: "not_a_key_file" });
    await expect(openBrowserKeyFile("nope", vector.passphrase)).rejects.toMatchObject({ code: "not_a_key_file" });
  });
});
