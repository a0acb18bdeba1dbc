// What a part of a core is told when another core is declared failed: the one method a listener of
// the failure detector (liveness.ts) implements.
//
// On the real platform (src/platform/real/real-core.ts, `RealCore.onPeerFailed`) each live core's
// detector fans a failure out to every listener registered on that core: its monitor (monitor.ts,
// which passes it to each module that handles failures: replicated objects and address spaces
// spanning the core report it instead of stalling) and its dispatchers (every call to the failed
// core rejects). Failure is final (crash-stop): a listener hears of a core at most once.

export interface PeerFailureListener {
  /** Core `coreId` was declared failed, for `reason` ("no news for 5012 ms (declared by core 0 ...)"). */
  peerCoreFailed(coreId: number, reason: string): void;
}
