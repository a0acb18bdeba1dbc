// The public entry point of the multikernel library: exactly what users may import.
// Internals stay internal; everything exported here is documented in README.md and docs/, and every
// type a public signature names is exported too (typedoc's notExported check keeps it so:
// `npm run docs:api` writes the reference in docs/api/).

/**
 * The library: booting, running domains, interfaces, rpc, channels.
 * @module multikernel
 */

export type { PortDrain, TimerHandle } from "./cpu-driver/core-env.js";
export type { CoreActivity, CpuDriverPolicy } from "./cpu-driver/cpu-driver.js";
// What a domain's main receives: its context, bindings, replicated objects and address spaces.
export { bindWhenExported } from "./domain/bind-wait.js";
export type { BindOptions, DomainContext, DomainMain, DomainReplica } from "./domain/domain-context.js";
// Declared message interfaces (Flounder-like) and their field types.
export {
  type AnyInterface,
  type ArgsOf,
  type Declaration,
  defineInterface,
  type FieldDeclaration,
  type FieldKind,
  type FieldType,
  type FieldValues,
  type Handlers,
  type Interface,
  type InterfaceOptions,
  MessageBuffer,
  MessageError,
  type MessageErrorWhere,
  type MessageName,
  type Receive,
  type ScalarKind,
  type ScalarType,
  type Sender,
  type SlotWriter,
  type Transport,
  t,
  type ValueOf,
} from "./idl/index.js";
// Every bound of the system.
export * as limits from "./limits.js";
export { BindError, type BindFailure } from "./monitor/binding.js";
export type {
  AppliedObserver,
  ReplicatedObject,
  ReplicatedObjectDefinition,
  ReplicationCounters,
  ReplicationMode,
  UpdateCodec,
  UpdateOptions,
  UpdateResult,
} from "./monitor/replication-api.js";
export type { DispatcherExit } from "./monitor/spawn.js";
/** What `run` throws, before any core starts, for a program that cannot run (its message says why). */
export { ProgramLoadError } from "./platform/program/failure-text.js";
// Booting on this machine's cores, and running domains.
export {
  type BootLogEntry,
  type BootOptions,
  boot,
  type CoreCpuTime,
  type DomainResult,
  Multikernel,
  type RunOptions,
} from "./platform/real/boot.js";
export type { CoreStartFault, CoreStopReport } from "./platform/real/control.js";
export type { CoreEntry } from "./platform/real/core-bundle.js";
// Typed rpc over any channel.
export {
  type CallArgs,
  type CallTimeout,
  defineRpc,
  type FieldsOf,
  type ReplyValues,
  type RpcClient,
  type RpcClientEnd,
  type RpcDeclaration,
  type RpcEndOptions,
  RpcError,
  type RpcHandlers,
  type RpcInterface,
  type RpcMessageDeclaration,
  type RpcMethodDeclaration,
  type RpcMethodName,
  type RpcOptions,
  type RpcServerEnd,
  type RpcTransport,
} from "./rpc/rpc.js";
// The System Knowledge Base.
export type { ClusterSource, CoreClustering, LatencyGap } from "./skb/clustering.js";
export { LatencyMatrix } from "./skb/latency.js";
export { type SkbJson, SystemKnowledgeBase } from "./skb/skb.js";
export type { HostCpu, HostTopology } from "./skb/topology.js";
export type { CorePackage, MulticastNode } from "./skb/types.js";
// The URPC channel itself, for use between any two threads.
export {
  ChannelError,
  type ChannelOptions,
  Doorbell,
  type MessageHandler,
  RingReceiver,
  RingSender,
  UrpcChannel,
} from "./urpc/index.js";
// Virtual memory: a domain's address spaces.
export type { AddressSpace, AddressSpaceOptions } from "./vm/address-space.js";
export { VmError, type VmErrorCode } from "./vm/errors.js";
export type { MappingCheck, PageAccess } from "./vm/page-access.js";
export { type Rights, rightExecute, rightRead, rightsAll, rightsNone, rightWrite } from "./vm/rights.js";
export type { CompletedOperation, Translation } from "./vm/shootdown.js";
export type { ShootdownProtocol } from "./vm/shootdown-routes.js";
