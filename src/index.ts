// The public entry point of the multikernel library: exactly what users may import.
// Internals stay internal; everything exported here is documented in README.md and docs/.

export { bindWhenExported } from "./domain/bind-wait.js";
// What a domain's main receives, and declared rpc interfaces for its services.
export type { DomainContext, DomainMain } from "./domain/domain-context.js";
// Declared message interfaces (Flounder-like) and their field types.
export { defineInterface, MessageBuffer, MessageError, t } from "./idl/index.js";
// Every bound of the system.
export * as limits from "./limits.js";
// Booting on this machine's cores, and running domains.
export {
  type BootLogEntry,
  type BootOptions,
  boot,
  type DomainResult,
  Multikernel,
} from "./platform/real/boot.js";
export { defineRpc, type RpcClient, RpcError, type RpcHandlers, type RpcInterface } from "./rpc/rpc.js";
// The System Knowledge Base.
export { SystemKnowledgeBase } from "./skb/skb.js";
// The URPC channel itself, for use between any two threads.
export { ChannelError, Doorbell, UrpcChannel } from "./urpc/index.js";
