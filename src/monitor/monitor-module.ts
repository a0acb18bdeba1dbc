// What every part of a monitor is: a sans-IO protocol module that owns a range of message types on
// the monitor-to-monitor channels (message-types.ts) and handles the messages of its range.
//
// The monitor (monitor.ts) routes each incoming message to the first module that claims it.
// Modules send through the CoreEnv they were built with; they never touch a worker, a clock or a
// SharedArrayBuffer.

export interface MonitorModule {
  /** A short name for logs and errors. */
  readonly name: string;
  /** Handles the message if its type is this module's; returns whether it was. */
  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean;
}
