/** The crypto module's public surface. */
export { canonicalBytes, canonicalText } from "./jcs";
export { b64urlDecode, b64urlEncode, hexDecode, hexEncode } from "./encoding";
export { encodePublicKey, keyId, shortCode } from "./keys";
export {
  generateKeyMaterial,
  keyMaterialFromSeed,
  signerFrom,
  verifyEd25519,
  webCryptoEd25519Available,
  type Backend,
  type KeyMaterial,
  type Signer,
} from "./ed25519";
export {
  KEY_DB_NAME,
  loadDeviceKey,
  loadOrCreateDeviceKey,
  requestPersistentStorage,
  type DeviceKey,
  type KeyStoreOptions,
} from "./keystore";
export {
  STATEMENT_DOMAIN,
  formatTs,
  newNonce,
  signStatement,
  signedMessage,
  type JsonObject,
  type JsonValue,
  type SignOptions,
  type SignedStatement,
  type Statement,
} from "./statements";
export { entryHashHex, leafBytes, type Placement } from "./entries";
export { leafHash, nodeHash } from "./hashing";
export { base58btcDecode, publicKeyFromDidKey, verifyDataIntegrity, type ProofCheck } from "./dataIntegrity";
export { ProofError, inclusionProofSize, verifyInclusion } from "./merkle";
export {
  CheckpointError,
  noteKeyId,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  verifyCheckpoint,
  verifyInclusionAgainst,
  verifyInclusionDocument,
  type Checkpoint,
  type InclusionProofDocument,
  type VerifierKey,
} from "./checkpoints";
