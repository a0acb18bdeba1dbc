// The monitor's virtual-memory module: one per core, it opens the domains' address spaces and routes
// each shootdown message to the engine of the address space it belongs to.
//
// Several address spaces share the monitor channels, so every shootdown message travels with the
// id of its address space in front and the engine's own hand-encoded message after it
// (src/vm/shootdown-messages.ts, unchanged). The id is two u32s, little-endian: the owning domain's
// id, then a 32-bit FNV-1a hash of the space's scoped name (`domain<id>/<name>`): every core
// computes it alone, no coordination needed; two names of one domain with the same hash are refused
// with a clear error. The domain's id is part of the id, not only of the hashed name, because an
// FNV hash is easy to collide on purpose: with the hash alone, a domain could name a space whose
// id is another domain's and have its requests applied to that domain's page table. A message is
// also accepted only from a core the space spans (the channel, not the message, says who sent
// it). A message for a space this core
// has not opened yet (its dispatcher has not reached `addressSpace`) is kept, bounded by
// vmEarlyMessagesMax, and handed over when it opens. A message for a space this core closed, or
// of a domain that ended here (`domainEnded`, from its dispatcher's close), is not early but late:
// its sender started before the close, and nothing will ever open the space for it. It is
// dropped and counted, so that late messages never fill the queue (once full, every further
// message for an unopened space is refused). Each core remembers the last vmClosedRememberedMax
// closed spaces and ended domains; opening a space lifts both marks for it (a dispatcher made
// again with the same domain id; the spawn module never reuses one).
// Each engine sees a CoreEnv narrowed to the domain's cores, whose ports add the id. The broadcast
// ring of the real platform reaches every booted core, so for a domain on fewer cores than booted
// the engine's broadcast port writes to each member instead (a non-member would otherwise read
// updates of a space it will never open); the measurements use domains over every core.
// Topology: multicast uses the SKB's packages, numa-multicast the SKB's tree (farthest package
// first), both restricted to the domain's cores; with no SKB (booted without measurement) every
// core is one package. The shared-memory baseline is not a message protocol: the platform opens it.

import type { CoreEnv, Port } from "../cpu-driver/core-env.js";
import { shootdownTypeBase } from "../cpu-driver/message-types.js";
import { addressSpacesPerCoreMax, vmClosedRememberedMax, vmEarlyMessagesMax } from "../limits.js";
import type { CorePackage, MulticastNode } from "../skb/types.js";
import type { AddressSpace, AddressSpaceOptions } from "../vm/address-space.js";
import { PhysicalMemory } from "../vm/physical-memory.js";
import { ShootdownEngine } from "../vm/shootdown.js";
import { readU32le, shootdownTypeLimit } from "../vm/shootdown-messages.js";
import { messageShootdownProtocols, packageTree } from "../vm/shootdown-routes.js";
import type { MonitorModule } from "./monitor-module.js";

/** What the vm module needs of the SKB: packages and the multicast tree (SystemKnowledgeBase has both). */
export interface VmTopology {
  packages(): readonly CorePackage[];
  multicastTree(root: number, cores?: readonly number[]): MulticastNode;
}

/** The platform's shared-memory baseline: opens one core's side of an address space. */
export type SharedMemorySpaceOpener = (
  spaceId: number,
  name: string,
  cores: readonly number[],
  memory: PhysicalMemory,
  domainId: number,
) => AddressSpace & { close(): void };

export interface VmModuleOptions {
  /** The frames every core shares (the real platform's physical memory buffer). */
  readonly physicalMemory?: SharedArrayBuffer;
  /** The shared-memory baseline, where the platform has one. */
  readonly sharedMemory?: SharedMemorySpaceOpener;
}

/** Bytes of the address-space id in front of each message: the domain's id and the name's hash. */
const spaceIdBytes = 8;
/** The largest engine message plus the id. */
const wrappedBytesMax = spaceIdBytes + 20;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function addressSpaceId(scopedName: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < scopedName.length; i++) {
    hash ^= scopedName.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** A port that writes the space id in front of each message. */
class SpacePort implements Port {
  private readonly buffer = new Uint8Array(wrappedBytesMax);

  constructor(
    readonly name: string,
    domainId: number,
    spaceId: number,
    private readonly send1: (type: number, bytes: Uint8Array, length: number) => void,
  ) {
    const view = new DataView(this.buffer.buffer);
    view.setUint32(0, domainId, true);
    view.setUint32(4, spaceId, true);
  }

  send(type: number, bytes: Uint8Array, length: number): void {
    if (length + spaceIdBytes > wrappedBytesMax)
      throw new Error(`${this.name}: a ${length}-byte shootdown message is longer than any known`);
    // A loop, not set(subarray): a subarray per message costs more than copying 20 bytes.
    const buffer = this.buffer;
    for (let i = 0; i < length; i++) buffer[spaceIdBytes + i] = bytes[i]!;
    this.send1(type, this.buffer, length + spaceIdBytes);
  }
}

interface Space {
  readonly name: string;
  readonly cores: readonly number[];
  readonly engine: ShootdownEngine | undefined;
  readonly handle: AddressSpace & { close(): void };
}

interface EarlyMessage {
  readonly domainId: number;
  readonly spaceId: number;
  readonly fromCore: number;
  readonly type: number;
  readonly bytes: Uint8Array;
}

/** Messages of this core's vm module, for tests and traces. */
export interface VmCounters {
  /** Messages kept for a space this core had not opened yet. */
  messagesQueuedEarly: number;
  /** Messages for a space closed here, or of a domain ended here, dropped unread. */
  messagesForClosedDropped: number;
}

/** Remembers the last `max` keys added, oldest forgotten first. */
function remember<K>(keys: Set<K>, key: K, max: number): void {
  keys.delete(key);
  keys.add(key);
  if (keys.size > max) keys.delete(keys.values().next().value as K);
}

export class VmModule implements MonitorModule {
  readonly name = "vm";
  readonly counters: VmCounters = { messagesQueuedEarly: 0, messagesForClosedDropped: 0 };
  /** This core's share of physical memory, or undefined where the platform gave none. */
  readonly memory: PhysicalMemory | undefined;
  /** Open spaces by owning domain, then by the hash of the scoped name. */
  private readonly spaces = new Map<number, Map<number, Space>>();
  private spaceCount = 0;
  private readonly early: EarlyMessage[] = [];
  /** Spaces closed here (`domainId:spaceId`) and domains ended here: their late messages are dropped. */
  private readonly closedSpaces = new Set<string>();
  private readonly endedDomains = new Set<number>();
  private topology: VmTopology | undefined;

  constructor(
    private readonly env: CoreEnv,
    private readonly options: VmModuleOptions = {},
  ) {
    this.memory =
      options.physicalMemory === undefined
        ? undefined
        : new PhysicalMemory(options.physicalMemory, env.coreIds, env.coreId);
  }

  /** The SKB's view, once measured; the same on every core. Spaces opened later use it. */
  setTopology(topology: VmTopology): void {
    this.topology = topology;
  }

  /** Address spaces open on this core. */
  get openCount(): number {
    return this.spaceCount;
  }

  /**
   * Opens this core's side of the address space `scopedName` of domain `domainId` over `cores`
   * (this core among them). Spaces of different domains never share an id, whatever their names.
   */
  open(
    scopedName: string,
    cores: readonly number[],
    options: AddressSpaceOptions,
    domainId = 0,
  ): AddressSpace {
    const memory = this.memory;
    if (memory === undefined)
      throw new Error(
        `addressSpace("${scopedName}"): this platform gave core ${this.env.coreId} no physical memory`,
      );
    if (!Number.isInteger(domainId) || domainId < 0 || domainId > 0xffff_ffff)
      throw new Error(`addressSpace("${scopedName}"): domain id ${domainId} is not a u32`);
    const spaceId = addressSpaceId(scopedName);
    const existing = this.spaces.get(domainId)?.get(spaceId);
    if (existing !== undefined) {
      throw new Error(
        existing.name === scopedName
          ? `addressSpace("${scopedName}"): already open on core ${this.env.coreId}`
          : `addressSpace("${scopedName}"): its id collides with "${existing.name}" on core ${this.env.coreId}; choose another name`,
      );
    }
    if (this.spaceCount >= addressSpacesPerCoreMax)
      throw new Error(
        `addressSpace("${scopedName}"): ${addressSpacesPerCoreMax} address spaces already open on core ${this.env.coreId} (addressSpacesPerCoreMax)`,
      );
    const protocol = options.protocol;
    let space: Space;
    if (protocol === "shared-memory") {
      if (this.options.sharedMemory === undefined)
        throw new Error(`addressSpace("${scopedName}"): this platform has no shared-memory shootdown`);
      space = {
        name: scopedName,
        cores,
        engine: undefined,
        handle: this.options.sharedMemory(spaceId, scopedName, cores, memory, domainId),
      };
    } else if ((messageShootdownProtocols as readonly string[]).includes(protocol)) {
      const engine = new ShootdownEngine(this.narrowEnv(domainId, spaceId, cores), {
        protocol,
        memory,
        packages: this.packagesOf(cores),
        tree: (root) => this.treeOf(root, cores),
        ...(options.onComplete === undefined ? {} : { onComplete: options.onComplete }),
      });
      const handle = {
        name: scopedName,
        protocol,
        cores,
        map: engine.map.bind(engine),
        unmap: engine.unmap.bind(engine),
        protect: engine.protect.bind(engine),
        translate: engine.translate.bind(engine),
        allocFrame: () => memory.allocFrame(),
        close: () => engine.close(),
      };
      space = { name: scopedName, cores, engine, handle };
    } else {
      throw new Error(`addressSpace("${scopedName}"): unknown protocol ${String(protocol)}`);
    }
    let ofDomain = this.spaces.get(domainId);
    if (ofDomain === undefined) {
      ofDomain = new Map();
      this.spaces.set(domainId, ofDomain);
    }
    ofDomain.set(spaceId, space);
    this.spaceCount++;
    this.closedSpaces.delete(`${domainId}:${spaceId}`);
    this.endedDomains.delete(domainId);
    if (space.engine !== undefined) this.deliverEarly(domainId, spaceId, space);
    return space.handle;
  }

  /** The failure detector declared `coreId` failed: every open address space's engine learns it. */
  peerCoreFailed(coreId: number, _reason: string): void {
    for (const ofDomain of this.spaces.values()) {
      for (const space of ofDomain.values()) space.engine?.peerFailed(coreId);
    }
  }

  /** Closes this core's side of `scopedName` of domain `domainId` (the dispatcher closed); idempotent. */
  close(scopedName: string, domainId = 0): void {
    const spaceId = addressSpaceId(scopedName);
    const ofDomain = this.spaces.get(domainId);
    const space = ofDomain?.get(spaceId);
    if (ofDomain === undefined || space === undefined || space.name !== scopedName) return;
    space.handle.close();
    ofDomain.delete(spaceId);
    if (ofDomain.size === 0) this.spaces.delete(domainId);
    this.spaceCount--;
    remember(this.closedSpaces, `${domainId}:${spaceId}`, vmClosedRememberedMax);
  }

  /**
   * Domain `domainId` ended on this core (its dispatcher closed): messages for its spaces that
   * wait here, or arrive later, are dropped; each of its spaces still open here is closed.
   */
  domainEnded(domainId: number): void {
    for (const space of [...(this.spaces.get(domainId)?.values() ?? [])]) this.close(space.name, domainId);
    remember(this.endedDomains, domainId, vmClosedRememberedMax);
    const kept = this.early.filter((m) => m.domainId !== domainId);
    this.counters.messagesForClosedDropped += this.early.length - kept.length;
    this.early.splice(0, this.early.length, ...kept);
  }

  /** Messages kept for address spaces this core has not opened yet. */
  get earlyCount(): number {
    return this.early.length;
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (type < shootdownTypeBase || type >= shootdownTypeLimit) return false;
    if (length < spaceIdBytes) throw new Error(`vm: a ${length}-byte shootdown message has no space id`);
    const domainId = readU32le(bytes, 0);
    const spaceId = readU32le(bytes, 4);
    const space = this.spaces.get(domainId)?.get(spaceId);
    if (space?.engine !== undefined) {
      if (!space.cores.includes(fromCore))
        throw new Error(
          `vm: core ${fromCore} sent a shootdown message for "${space.name}", which spans only cores ${space.cores.join(",")}`,
        );
      space.engine.receive(fromCore, type, bytes, length - spaceIdBytes, spaceIdBytes);
      return true;
    }
    if (this.endedDomains.has(domainId) || this.closedSpaces.has(`${domainId}:${spaceId}`)) {
      this.counters.messagesForClosedDropped++;
      return true;
    }
    if (this.early.length >= vmEarlyMessagesMax)
      throw new Error(
        `vm: ${vmEarlyMessagesMax} messages already wait for address spaces core ${this.env.coreId} has not opened (vmEarlyMessagesMax)`,
      );
    this.early.push({ domainId, spaceId, fromCore, type, bytes: bytes.slice(0, length) });
    this.counters.messagesQueuedEarly++;
    return true;
  }

  private deliverEarly(domainId: number, spaceId: number, space: Space): void {
    const isMine = (m: EarlyMessage) => m.domainId === domainId && m.spaceId === spaceId;
    const mine = this.early.filter(isMine);
    if (mine.length === 0) return;
    this.early.splice(0, this.early.length, ...this.early.filter((m) => !isMine(m)));
    for (const m of mine) {
      if (!space.cores.includes(m.fromCore)) {
        this.env.log(
          `vm: dropped an early message from core ${m.fromCore} for "${space.name}": not one of its cores`,
        );
        continue;
      }
      space.engine!.receive(
        m.fromCore,
        m.type,
        m.bytes.subarray(spaceIdBytes),
        m.bytes.length - spaceIdBytes,
      );
    }
  }

  /** The SKB's packages restricted to `cores`; one package of them without an SKB. */
  private packagesOf(cores: readonly number[]): CorePackage[] {
    const all = this.topology?.packages() ?? [{ id: 0, leader: cores[0]!, cores }];
    const packages: CorePackage[] = [];
    for (const p of all) {
      const members = p.cores.filter((c) => cores.includes(c));
      if (members.length === 0) continue;
      packages.push({
        id: p.id,
        leader: members.includes(p.leader) ? p.leader : members[0]!,
        cores: members,
      });
    }
    return packages;
  }

  /** The SKB's NUMA-aware tree over `cores`; without an SKB, the one-package tree. */
  private treeOf(root: number, cores: readonly number[]): MulticastNode {
    if (this.topology === undefined) return packageTree(this.packagesOf(cores), root);
    return this.topology.multicastTree(root, cores);
  }

  /** The CoreEnv an engine sees: the domain's cores, and ports that add the space id. */
  private narrowEnv(domainId: number, spaceId: number, cores: readonly number[]): CoreEnv {
    const env = this.env;
    const ports = new Map<number, Port>();
    const portTo = (core: number): Port => {
      let port = ports.get(core);
      if (port === undefined) {
        const inner = env.portTo(core);
        port = new SpacePort(`${inner.name} (space ${spaceId})`, domainId, spaceId, (t, b, l) =>
          inner.send(t, b, l),
        );
        ports.set(core, port);
      }
      return port;
    };
    const spansAll = cores.length === env.coreIds.length;
    let broadcast: Port | undefined;
    const broadcastPort = (): Port => {
      if (broadcast === undefined) {
        if (spansAll) {
          const inner = env.broadcastPort();
          broadcast = new SpacePort(`${inner.name} (space ${spaceId})`, domainId, spaceId, (t, b, l) =>
            inner.send(t, b, l),
          );
        } else {
          const members = cores.filter((c) => c !== env.coreId);
          broadcast = {
            name: `broadcast ${env.coreId} to ${members.join(",")} (space ${spaceId})`,
            send: (t, b, l) => {
              for (const c of members) portTo(c).send(t, b, l);
            },
          };
        }
      }
      return broadcast;
    };
    return {
      coreId: env.coreId,
      coreIds: cores,
      nowNs: () => env.nowNs(),
      random: () => env.random(),
      portTo,
      broadcastPort,
      allocateChannelId: () => env.allocateChannelId(),
      releaseChannelId: (channelId) => env.releaseChannelId(channelId),
      openChannel: (channelId, side, peerCore, receive) =>
        env.openChannel(channelId, side, peerCore, receive),
      setTimer: (delayNs, onFire) => env.setTimer(delayNs, onFire),
      log: (line) => env.log(line),
      // The engine counts the operations this core started as calls in flight: the core keeps
      // polling until each completes rather than sleeping through the acknowledgements.
      ...(env.activity === undefined ? {} : { activity: env.activity }),
    };
  }
}
