// The shootdown interface's messages on the monitor channel: hand-encoded until src/idl lands.
//
// Four fixed-size messages, little-endian, encoded with a DataView into one preallocated buffer per
// engine (the port copies the bytes at send, so the buffer is reused at once), and decoded straight
// from the bytes a channel hands in, at an offset (the vm module's space id comes first): making a
// DataView or a subarray per message costs 60-120 ns each, more than the rest of a decode. Types
// are shootdownTypeBase plus the index below.
//   request  requester → home        requestId u32, kind u8, rights u8, pad u16, vaddrPage u32, pageCount u32, frame u32
//   update   home → cores (tree)     seq u32, kind u8, rights u8, initiator u16, vaddrPage u32, pageCount u32, frame u32
//   ack      core → parent (tree)    seq u32, count u32 (cores of the subtree that applied `seq`)
//   reply    home → requester        requestId u32, status u8, pad u8 ×3, seq u32
// An `update` of kind unmap or protect is the invalidate of the paper: the receiver applies it to
// its replica, drops the range from its TLB, and only then acknowledges.

import { shootdownTypeBase } from "../cpu-driver/message-types.js";

export const shootdownRequestType = shootdownTypeBase + 0;
export const shootdownUpdateType = shootdownTypeBase + 1;
export const shootdownAckType = shootdownTypeBase + 2;
export const shootdownReplyType = shootdownTypeBase + 3;
/** Types this interface owns: [shootdownTypeBase, shootdownTypeLimit). */
export const shootdownTypeLimit = shootdownTypeBase + 4;

/** What an operation does to the page table. */
export const enum OpKind {
  map = 0,
  unmap = 1,
  protect = 2,
}

export const opKindNames = ["map", "unmap", "protect"] as const;

/** How the home answers a request. */
export const enum ReplyStatus {
  ok = 0,
  /** A map found a page of its range already mapped in the home's sequence (a concurrent map won). */
  alreadyMapped = 1,
  /** A map would take the home's replica past mappedPagesMax. */
  tableFull = 2,
}

export interface RangeFields {
  readonly kind: OpKind;
  readonly rights: number;
  readonly vaddrPage: number;
  readonly pageCount: number;
  readonly frame: number;
}

export interface RequestMessage extends RangeFields {
  readonly requestId: number;
}

export interface UpdateMessage extends RangeFields {
  readonly seq: number;
  readonly initiator: number;
}

export interface AckMessage {
  readonly seq: number;
  readonly count: number;
}

export interface ReplyMessage {
  readonly requestId: number;
  readonly status: ReplyStatus;
  readonly seq: number;
}

const requestBytes = 20;
const updateBytes = 20;
const ackBytes = 8;
const replyBytes = 12;
const bufferBytes = 20;

function checkLength(name: string, length: number, expected: number): void {
  if (length !== expected) throw new Error(`shootdown ${name}: ${length} bytes, expected ${expected}`);
}

function checkKind(kind: number): OpKind {
  if (kind !== OpKind.map && kind !== OpKind.unmap && kind !== OpKind.protect) {
    throw new Error(`shootdown: unknown operation kind ${kind}`);
  }
  return kind;
}

/** Encodes into one reused buffer; each encode returns the buffer's byte length to send. */
export class ShootdownEncoder {
  readonly bytes = new Uint8Array(bufferBytes);
  private readonly view = new DataView(this.bytes.buffer);

  request(m: RequestMessage): number {
    this.view.setUint32(0, m.requestId, true);
    this.range(m);
    this.view.setUint16(6, 0, true);
    return requestBytes;
  }

  update(m: UpdateMessage): number {
    this.view.setUint32(0, m.seq, true);
    this.range(m);
    this.view.setUint16(6, m.initiator, true);
    return updateBytes;
  }

  ack(m: AckMessage): number {
    this.view.setUint32(0, m.seq, true);
    this.view.setUint32(4, m.count, true);
    return ackBytes;
  }

  reply(m: ReplyMessage): number {
    this.view.setUint32(0, m.requestId, true);
    this.view.setUint32(4, m.status, true);
    this.view.setUint32(8, m.seq, true);
    return replyBytes;
  }

  private range(m: RangeFields): void {
    this.view.setUint8(4, m.kind);
    this.view.setUint8(5, m.rights);
    this.view.setUint32(8, m.vaddrPage, true);
    this.view.setUint32(12, m.pageCount, true);
    this.view.setUint32(16, m.frame, true);
  }
}

/** The little-endian u32 at `offset` of `bytes`. */
export function readU32le(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}

function readU16le(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function decodeRequest(bytes: Uint8Array, length: number, offset = 0): RequestMessage {
  checkLength("request", length, requestBytes);
  return {
    requestId: readU32le(bytes, offset),
    kind: checkKind(bytes[offset + 4]!),
    rights: bytes[offset + 5]!,
    vaddrPage: readU32le(bytes, offset + 8),
    pageCount: readU32le(bytes, offset + 12),
    frame: readU32le(bytes, offset + 16),
  };
}

export function decodeUpdate(bytes: Uint8Array, length: number, offset = 0): UpdateMessage {
  checkLength("update", length, updateBytes);
  return {
    seq: readU32le(bytes, offset),
    initiator: readU16le(bytes, offset + 6),
    kind: checkKind(bytes[offset + 4]!),
    rights: bytes[offset + 5]!,
    vaddrPage: readU32le(bytes, offset + 8),
    pageCount: readU32le(bytes, offset + 12),
    frame: readU32le(bytes, offset + 16),
  };
}

export function decodeAck(bytes: Uint8Array, length: number, offset = 0): AckMessage {
  checkLength("ack", length, ackBytes);
  return { seq: readU32le(bytes, offset), count: readU32le(bytes, offset + 4) };
}

export function decodeReply(bytes: Uint8Array, length: number, offset = 0): ReplyMessage {
  checkLength("reply", length, replyBytes);
  const status = bytes[offset + 4]!;
  if (status !== ReplyStatus.ok && status !== ReplyStatus.alreadyMapped && status !== ReplyStatus.tableFull) {
    throw new Error(`shootdown reply: unknown status ${status}`);
  }
  return { requestId: readU32le(bytes, offset), status, seq: readU32le(bytes, offset + 8) };
}
