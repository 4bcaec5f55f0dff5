/** A walk in progress survives a reload: every change of the capture is kept in IndexedDB and
 * resumes exactly where it stopped (walking on from the same vertices), and nothing is kept
 * once the capture is empty again. */
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { DEFAULT_TRACK, type Fix } from "../src/geo/track";
import { initialCapture, reduce, type CaptureState } from "../src/plots/capture";
import { fromDraft, hasProgress, toDraft, WalkDrafts } from "../src/plots/walkDraft";

const fix = (i: number): Fix => ({ lon: -92.6 + i * 0.0001, lat: 15.6, accuracyM: 4, t: 1_000 * i });

function walked(n: number): CaptureState {
  let state = reduce(initialCapture(), { type: "start" });
  for (let i = 0; i < n; i++) state = reduce(state, { type: "fix", fix: fix(i) }, DEFAULT_TRACK);
  return state;
}

describe("walk drafts", () => {
  it("keep the capture as structured data and resume it walking on", async () => {
    const drafts = await WalkDrafts.open("walk-test-1");
    const before = walked(5);
    await drafts.save("plots", before);
    drafts.close();

    const reopened = await WalkDrafts.open("walk-test-1");
    const kept = await reopened.load("plots");
    expect(kept).not.toBeNull();
    const resumed = fromDraft(kept!);
    expect(resumed.walk.vertices).toEqual(before.walk.vertices);
    expect(resumed.raw).toEqual(before.raw);
    expect(resumed.walking).toBe(true);
    expect(resumed.current).toBeNull();
    // The restore keeps the live reading the screen already has, and the walk goes on.
    const live = reduce(initialCapture(), { type: "fix", fix: fix(99) });
    const restored = reduce(live, { type: "restore", state: resumed });
    expect(restored.current).toEqual(fix(99));
    const next = reduce(restored, { type: "fix", fix: fix(5) }, DEFAULT_TRACK);
    expect(next.walk.vertices).toEqual(walked(6).walk.vertices);
    reopened.close();
  });

  it("drop the draft when the capture is empty again or cleared", async () => {
    const drafts = await WalkDrafts.open("walk-test-2");
    await drafts.save("plots", walked(3));
    await drafts.save("plots", reduce(walked(3), { type: "clear" }));
    expect(await drafts.load("plots")).toBeNull();
    await drafts.save("plots", walked(2));
    await drafts.clear("plots");
    expect(await drafts.load("plots")).toBeNull();
    drafts.close();
  });

  it("count typed text, tapped corners and a point as progress, a bare GPS reading not", () => {
    const idle = reduce(initialCapture(), { type: "fix", fix: fix(1) });
    expect(hasProgress(idle)).toBe(false);
    expect(hasProgress(reduce(idle, { type: "text", text: "-92.6, 15.6" }))).toBe(true);
    expect(hasProgress(reduce({ ...idle, mode: "tap" }, { type: "corner" }))).toBe(true);
    expect(hasProgress(reduce({ ...idle, mode: "point" }, { type: "usePosition" }))).toBe(true);
    const draft = toDraft(walked(2), new Date("2026-06-01T12:00:00Z"));
    expect(draft.savedAt).toBe("2026-06-01T12:00:00.000Z");
    expect("current" in draft).toBe(false);
  });
});
