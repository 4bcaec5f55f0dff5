/**
 * The members form with nothing typed yet: where a new capture starts, and what a correction
 * starts from (a refused `producer.registered` refills only its public fields; personal data
 * and consent were never in the signed body, so they are asked again).
 */
import type { MemberInput } from "./bodies";

export const EMPTY_MEMBER: Readonly<MemberInput> = {
  producerId: "",
  community: "",
  memberSince: "",
  consentData: false,
  gender: "undisclosed",
  birthYear: "",
  speaker: "",
  consentStatistics: false,
  name: "",
  curp: "",
  phone: "",
  email: "",
  consentPublishName: false,
};
