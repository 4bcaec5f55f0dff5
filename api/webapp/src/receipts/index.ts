/** Delivery receipts: encode a signed delivery as QR text; decode and verify it offline. */
export { deflateRaw, inflateFixed, InflateError } from "./deflate";
export { bytesToDigits, digitsToBytes, DigitsError } from "./digits";
export { messages } from "./messages";
export { decodeReceipt, encodeReceipt, MalformedReceiptError, RECEIPT_PREFIX, receiptPayload } from "./receipt";
export { TRUST_LIST_DOMAIN, TrustListError, verifyTrustList } from "./trustlist";
export type { TrustedAssociation, TrustedDevice, TrustList } from "./trustlist";
export { checkReceipt, DELIVERY_TYPE, receiptMessage } from "./verify";
export type { CheckOptions, ReceiptStatus, ReceiptVerdict } from "./verify";
