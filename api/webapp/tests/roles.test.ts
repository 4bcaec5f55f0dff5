/** Screens by role: which roles the trust list gives this browser's keys, and which screens
 * the navigation then shows. */
import { describe, expect, it } from "vitest";
import { rolesFrom, shown } from "../src/shell/roles";
import { SCREENS } from "../src/shell/screens";

const A = "a".repeat(32);
const B = "b".repeat(32);
const C = "c".repeat(32);

describe("roles", () => {
  it("gives each held key the role the trust list names, and revoked keys none", () => {
    const lists = {
      devices: [{ key_id: A, revoked_seq: null }],
      associations: [{ key_id: B, revoked_seq: 12 }],
      certifiers: [{ key_id: A, revoked_seq: null }],
      issuers: [{ key_id: C, revoked_seq: null }],
    };
    expect(rolesFrom(lists, { device: A, association: B, issuer: C })).toEqual(["field", "certifier", "label_issuer"]);
    expect(rolesFrom(lists, { device: C })).toEqual([]);
    expect(rolesFrom({}, { device: A, association: B, issuer: C })).toEqual([]);
  });

  it("shows only the screens of the roles held, and everything until a key is known", () => {
    const visible = (held: Parameters<typeof shown>[1]) => SCREENS.filter((s) => shown(s.roles, held)).map((s) => s.id);
    expect(visible([])).toEqual(SCREENS.map((s) => s.id));
    expect(visible(["label_issuer"])).toEqual(["home", "setup", "lots", "labels"]);
    expect(visible(["office"])).toEqual(["home", "setup", "devices", "credentials", "lots"]);
    expect(visible(["certifier"])).toEqual(["home", "outbox", "setup", "inspection"]);
    const field = visible(["field"]);
    expect(field).toContain("members");
    expect(field).not.toContain("devices");
    expect(field).not.toContain("labels");
  });
});
