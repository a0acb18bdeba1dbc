// The interface of the "calls that always settle" test domains (./server-ends.ts and friends): a
// call whose handler never answers, and a call whose handler throws a value whose text is hostile.
import { defineRpc } from "../../../src/index.js";

export const settleRpc = defineRpc("test_settle", {
  /** Never answered: the call can only end by the binding closing (or its timeout). */
  hang: { call: [], reply: [] },
  /** Its handler throws a value whose toString throws. */
  hostile: { call: [], reply: [] },
});

/** What every test domain here throws: an object whose toString (and message) throw. */
export function hostileValue(): unknown {
  return {
    toString() {
      throw new Error("toString refuses");
    },
    get message() {
      throw new Error("message refuses");
    },
  };
}
