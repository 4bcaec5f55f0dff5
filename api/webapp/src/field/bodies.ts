/**
 * The bodies the field screens sign, built from what the technician typed, and the checks
 * that keep the outbox free of statements the server would refuse for their shape.
 *
 * Each builder returns either the body (exactly the JSON the server's entry validators
 * accept: `ledger/supply/producers.py`, `sites.py`, `lots.py`) or the fields that are wrong,
 * as message keys (`field.error.*`) the screen shows in the user's language. The shapes are
 * pinned by `tests/vectors/field_bodies.json`, which a Python test runs through the server's
 * validators and a vitest rebuilds here.
 *
 * Personal data never enters a body: a member's name, CURP and contact go to
 * `POST /api/v1/producers` beside the entry (`personal.ts`); the body carries only
 * `pii_hash = SHA-256(salt ‖ JCS(personal data))`.
 */
import type { JsonObject } from "../crypto/statements";

export type Product = "coffee" | "cacao" | "honey";
export const PRODUCTS: readonly Product[] = ["coffee", "cacao", "honey"];
/** The form a harvest lot must have (`HARVEST_FORMS` in `ledger/supply/conversions.py`). */
export const HARVEST_FORMS: Readonly<Record<Product, string>> = { coffee: "cherry", cacao: "wet", honey: "raw" };
export const GENDERS = ["female", "male", "other", "undisclosed"] as const;
export type Gender = (typeof GENDERS)[number];

/** Field name → message key (`field.error.<reason>`). */
export type FieldErrors = Record<string, string>;
export type Built<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CURP =
  /^[A-Z][AEIOUX][A-Z]{2}[0-9]{6}[HM](AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ|YN|ZS|NE)[B-DF-HJ-NP-TV-Z]{3}[A-Z0-9][0-9]$/;
/** RENAPO's dictionary for the check digit (`CURP_ALPHABET` in `ledger/supply/identifiers.py`). */
const CURP_ALPHABET = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";
const PHONE = /^\+?[0-9 ()-]{7,20}$/;

function done<T>(errors: FieldErrors, value: () => T): Built<T> {
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, value: value() };
}

/**
 * A CURP the server's `validate_curp` accepts: the RENAPO pattern, a real birth date (the
 * 17th character gives the century) and the check digit. Checked here because the personal
 * data reaches the server only after the entry is in the ledger: a CURP refused then would
 * leave a `pii_hash` committed to data the server cannot keep.
 */
export function isCurp(text: string): boolean {
  if (!CURP.test(text)) return false;
  const century = /\d/.test(text[16] ?? "") ? 1900 : 2000;
  if (!isDay(`${century + Number(text.slice(4, 6))}-${text.slice(6, 8)}-${text.slice(8, 10)}`)) return false;
  let total = 0;
  for (let i = 0; i < 17; i++) total += CURP_ALPHABET.indexOf(text[i] ?? "") * (18 - i);
  return Number(text[17]) === (10 - (total % 10)) % 10;
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function isDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** A new identifier for a record made on this device: `<prefix>-<6 hex of the key>-<time>`,
 * unique across an association's phones without asking the server. */
export function newId(prefix: string, keyIdHex: string, now: Date = new Date()): string {
  return `${prefix}-${keyIdHex.slice(0, 6)}-${now.getTime().toString(36)}`;
}

/**
 * Kilograms as typed on a Mexican phone (`1,234.5`, `80`, `12.250`) → a JSON number the server
 * reads as the same exact grams, or null. Commas may only group thousands; at most three
 * decimals (the ledger counts whole grams); more than zero.
 */
export function parseKg(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,3})?$/.test(trimmed)) return null;
  const value = Number(trimmed.replace(/,/g, ""));
  return Number.isFinite(value) && value > 0 && value <= 1e9 ? value : null;
}

/** A whole number within bounds, or null. */
export function parseCount(text: string, min: number, max: number): number | null {
  const trimmed = text.trim().replace(/,/g, "");
  if (!/^\d+$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= min && value <= max ? value : null;
}

// ---------------------------------------------------------------- members

/** Whether the member speaks an Indigenous language: "" when not asked. */
export type Speaker = "" | "yes" | "no";

export interface MemberInput {
  producerId: string;
  community: string;
  memberSince: string;
  /** The producer agreed that the association keeps their personal data (off the ledger). */
  consentData: boolean;
  /** Gender, year of birth and Indigenous language are personal data: they go to the
   * off-ledger record with the rest, never into the signed body. */
  gender: Gender;
  birthYear: string;
  speaker: Speaker;
  /** The producer agreed that those three count in aggregate programme figures. */
  consentStatistics: boolean;
  name: string;
  curp: string;
  phone: string;
  email: string;
  /** The producer agreed that buyers may see their name (`consent_to_publish_name`). */
  consentPublishName: boolean;
}

/** The personal-data record exactly as the server keeps and hashes it
 * (`PersonalData.model_dump()`: every field, absent ones as null — except the statistical
 * attributes, written only when given, so older records hash as they always did). */
export interface PersonalData extends JsonObject {
  name: string;
  curp: string | null;
  phone: string | null;
  email: string | null;
  consent_to_publish_name: boolean;
  gender?: "female" | "male" | "other";
  birth_year?: number;
  indigenous_language_speaker?: boolean;
  consent_to_statistics?: true;
}

export interface MemberParts {
  /** The `producer.registered` body without `pii_hash` (added once the data is hashed). */
  body: JsonObject;
  /** Null when the producer gave no consent to keep personal data. */
  personal: PersonalData | null;
}

export function memberParts(input: MemberInput, today: string): Built<MemberParts> {
  const errors: FieldErrors = {};
  const producerId = input.producerId.trim();
  if (!ID.test(producerId)) errors["producer_id"] = "field.error.id";
  const community = input.community.trim();
  if (community.length > 100) errors["community"] = "field.error.too_long";
  const since = input.memberSince.trim();
  if (since && !isDay(since)) errors["member_since"] = "field.error.date";
  else if (since && since > today) errors["member_since"] = "field.error.future";
  let personal: PersonalData | null = null;
  if (input.consentData) {
    const name = input.name.trim().replace(/\s+/g, " ");
    if (name.length < 2 || name.length > 200) errors["name"] = "field.error.name";
    const curp = input.curp.trim().toUpperCase();
    if (curp && !isCurp(curp)) errors["curp"] = "field.error.curp";
    const phone = input.phone.trim();
    if (phone && !PHONE.test(phone)) errors["phone"] = "field.error.phone";
    const email = input.email.trim();
    if (email.length > 200 || (email && !/^[^\s@]+@[^\s@]+$/.test(email))) errors["email"] = "field.error.email";
    personal = {
      name,
      curp: curp || null,
      phone: phone || null,
      email: email || null,
      consent_to_publish_name: input.consentPublishName,
    };
    if (!(GENDERS as readonly string[]).includes(input.gender)) errors["gender"] = "field.error.required";
    else if (input.gender !== "undisclosed") personal.gender = input.gender;
    const born = input.birthYear.trim();
    if (born) {
      const year = parseCount(born, 1900, Number(today.slice(0, 4)));
      if (year === null) errors["birth_year"] = "field.error.birth_year";
      else personal.birth_year = year;
    }
    if (input.speaker) personal.indigenous_language_speaker = input.speaker === "yes";
    if (input.consentStatistics) personal.consent_to_statistics = true;
  }
  return done(errors, () => {
    const body: JsonObject = { producer_id: producerId };
    if (community) body["community"] = community;
    if (since) body["member_since"] = since;
    return { body, personal };
  });
}

// ---------------------------------------------------------------- plots

export interface PlotInput {
  plotId: string;
  producerId: string;
  product: Product;
  municipality: string;
}

/** The geometry part as `PlotCapture` hands it back (already normalized as the server stores it). */
export interface CapturedShape {
  geometry: JsonObject;
  area_ha: number;
  state: string;
}

export function plotBody(input: PlotInput, shape: CapturedShape | null): Built<JsonObject> {
  const errors: FieldErrors = {};
  if (!ID.test(input.plotId)) errors["plot_id"] = "field.error.id";
  if (!ID.test(input.producerId)) errors["producer_id"] = "field.error.pick_member";
  if (!PRODUCTS.includes(input.product)) errors["product"] = "field.error.required";
  const municipality = input.municipality.trim();
  if (municipality.length > 100) errors["municipality"] = "field.error.too_long";
  if (shape === null) errors["geometry"] = "field.error.boundary";
  return done(errors, () => {
    const s = shape as CapturedShape;
    const body: JsonObject = {
      plot_id: input.plotId,
      producer_id: input.producerId,
      product: input.product,
      area_ha: s.area_ha,
      geometry: s.geometry,
      state: s.state,
    };
    if (municipality) body["municipality"] = municipality;
    return body;
  });
}

// ---------------------------------------------------------------- apiaries

export interface ApiaryInput {
  apiaryId: string;
  producerId: string;
  /** [longitude, latitude] from the GPS or typed; null until set. */
  position: readonly [number, number] | null;
  hiveCount: string;
  state: string;
  municipality: string;
}

export function apiaryBody(input: ApiaryInput): Built<JsonObject> {
  const errors: FieldErrors = {};
  if (!ID.test(input.apiaryId)) errors["apiary_id"] = "field.error.id";
  if (!ID.test(input.producerId)) errors["producer_id"] = "field.error.pick_member";
  const hives = parseCount(input.hiveCount, 1, 10_000);
  if (hives === null) errors["hive_count"] = "field.error.hives";
  const p = input.position;
  if (p === null || !(Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90)) errors["location"] = "field.error.location";
  const municipality = input.municipality.trim();
  if (municipality.length > 100) errors["municipality"] = "field.error.too_long";
  return done(errors, () => {
    const [lon, lat] = input.position as readonly [number, number];
    const body: JsonObject = {
      apiary_id: input.apiaryId,
      producer_id: input.producerId,
      location: { type: "Point", coordinates: [lon, lat] },
      hive_count: hives as number,
      state: input.state,
    };
    if (municipality) body["municipality"] = municipality;
    return body;
  });
}

// ---------------------------------------------------------------- deliveries

export interface DeliveryInput {
  lotId: string;
  /** The plot or apiary the harvest came from. */
  origin: { kind: "plot" | "apiary"; id: string; product: Product } | null;
  weightKg: string;
  /** Harvest (delivery) date. */
  date: string;
}

/** `lot.harvested` for one delivery: one lot, from one plot or apiary, in the product's
 * harvest form, harvested on `date` (not after `today`, the statement's date). */
export function deliveryBody(input: DeliveryInput, today: string): Built<JsonObject> {
  const errors: FieldErrors = {};
  if (!ID.test(input.lotId)) errors["lot_id"] = "field.error.id";
  if (input.origin === null || !ID.test(input.origin.id)) errors["origin"] = "field.error.pick_origin";
  const kg = parseKg(input.weightKg);
  if (kg === null) errors["quantity_kg"] = "field.error.kg";
  if (!isDay(input.date)) errors["harvested_from"] = "field.error.date";
  else if (input.date > today) errors["harvested_from"] = "field.error.future";
  else if (input.date < `${Number(today.slice(0, 4)) - 2}${today.slice(4)}`) errors["harvested_from"] = "field.error.too_old";
  return done(errors, () => {
    const origin = input.origin as NonNullable<DeliveryInput["origin"]>;
    const share: JsonObject = { [`${origin.kind}_id`]: origin.id, quantity_kg: kg as number };
    return {
      lot_id: input.lotId,
      product: origin.product,
      form: HARVEST_FORMS[origin.product],
      quantity_kg: kg as number,
      harvested_from: input.date,
      origins: [share],
    };
  });
}

// ---------------------------------------------------------------- farm-gate purchases

/** A deduction or premium as typed: what for (an id such as `quality`, `biodiversity`) and
 * how much, in MXN. */
export interface Adjustment {
  kind: string;
  amount: string;
}

export interface PurchaseInput {
  purchaseId: string;
  lotId: string;
  producerId: string;
  /** Kilograms bought, as typed (`1,250.5`). */
  weightKg: string;
  /** MXN per kg, as typed (`7.35`, at most four decimals). */
  priceMxn: string;
  deductions: readonly Adjustment[];
  premiums: readonly Adjustment[];
}

/** An exact decimal as typed on a Mexican phone (`1,234.56`) in units of 10^-scale, or null:
 * commas only group thousands, at most `scale` decimals. Never a float: this is money. */
export function decimalUnits(text: string, scale: number): bigint | null {
  const trimmed = text.trim();
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match || (match[2] ?? "").length > scale) return null;
  const whole = BigInt(match[1]!.replace(/,/g, ""));
  const fraction = BigInt((match[2] ?? "").padEnd(scale, "0") || "0");
  return whole * 10n ** BigInt(scale) + fraction;
}

/** Units of 10^-scale as the ledger's decimal text: `12.5`, `80` (trailing zeros dropped), or
 * always two decimals for money (`keep`). */
export function decimalText(units: bigint, scale: number, keep = 0): string {
  const base = 10n ** BigInt(scale);
  const whole = units / base;
  let fraction = (units % base).toString().padStart(scale, "0");
  while (fraction.length > keep && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** Centavos due, as the server computes it (`ledger/supply/payments.py: purchase_amount`):
 * price × kg rounded half up to the centavo, less deductions, plus premiums. */
export function purchaseCents(kgMilli: bigint, price: bigint, deductions: readonly bigint[], premiums: readonly bigint[]): bigint {
  const gross = (kgMilli * price + 50_000n) / 100_000n; // 10^-7 MXN → centavos, half up
  return gross - deductions.reduce((a, b) => a + b, 0n) + premiums.reduce((a, b) => a + b, 0n);
}

const MONEY_MAX = 10n ** 13n; // the ledger's Money pattern: at most 11 digits of pesos

function adjustments(list: readonly Adjustment[], field: string, errors: FieldErrors): { kind: string; cents: bigint }[] {
  const found: { kind: string; cents: bigint }[] = [];
  list.forEach((item, index) => {
    if (item.amount.trim() === "") return;
    const cents = decimalUnits(item.amount, 2);
    if (!ID.test(item.kind)) errors[`${field}.${index}.kind`] = "field.error.id";
    else if (cents === null || cents >= MONEY_MAX) errors[`${field}.${index}.amount_mxn`] = "field.error.money";
    else if (cents > 0n) found.push({ kind: item.kind, cents });
  });
  return found;
}

/** `purchase.recorded` for a delivery bought at the farm gate, signed on the phone like the
 * delivery itself: exact decimal strings, and the amount computed exactly as the server
 * checks it (a purchase whose deductions exceed it is refused here, naming `deductions`). */
export function purchaseBody(input: PurchaseInput): Built<JsonObject> {
  const errors: FieldErrors = {};
  if (!ID.test(input.purchaseId)) errors["purchase_id"] = "field.error.id";
  if (!ID.test(input.lotId)) errors["lot_id"] = "field.error.id";
  if (!ID.test(input.producerId)) errors["producer_id"] = "field.error.pick_member";
  const kg = decimalUnits(input.weightKg, 3);
  if (kg === null || kg <= 0n || kg >= 10n ** 12n) errors["quantity_kg"] = "field.error.kg";
  const price = decimalUnits(input.priceMxn, 4);
  if (price === null || price >= 10n ** 11n) errors["price_per_kg_mxn"] = "field.error.price";
  const deductions = adjustments(input.deductions, "deductions", errors);
  const premiums = adjustments(input.premiums, "premiums", errors);
  let amount = 0n;
  if (kg !== null && price !== null && Object.keys(errors).length === 0) {
    amount = purchaseCents(kg, price, deductions.map((d) => d.cents), premiums.map((p) => p.cents));
    if (amount < 0n) errors["deductions"] = "field.error.deductions";
    else if (amount >= MONEY_MAX) errors["price_per_kg_mxn"] = "field.error.price";
  }
  return done(errors, () => ({
    purchase_id: input.purchaseId,
    lot_id: input.lotId,
    producer_id: input.producerId,
    quantity_kg: decimalText(kg as bigint, 3),
    price_per_kg_mxn: decimalText(price as bigint, 4),
    deductions: deductions.map((d) => ({ kind: d.kind, amount_mxn: decimalText(d.cents, 2, 2) })),
    premiums: premiums.map((p) => ({ kind: p.kind, amount_mxn: decimalText(p.cents, 2, 2) })),
    currency: "MXN",
    amount_mxn: decimalText(amount, 2, 2),
  }));
}
