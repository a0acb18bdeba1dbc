// The counter's interface, declared once: the server's handlers and the clients' calls are typed
// from it, and its messages are encoded into URPC slots by it.
import { defineRpc, t } from "multikernel";

export const counter = defineRpc("counter", {
  add: { call: [["n", t.u32]], reply: [["total", t.f64]] },
});
