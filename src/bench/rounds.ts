// How many round trips a ping-pong benchmark makes: the default of `--rounds` (`bench urpc`,
// `bench rpc`, and the report's full run) and the cap any caller is held to.
import { assertLimit } from "../limits.js";

/** Round trips each ping-pong measurement makes unless told otherwise (`--rounds`). */
export const benchRoundsDefault = 10_000;
/** Most round trips one measurement may be asked for; keeps a run of `bench` within minutes. */
export const benchRoundsMax = 1_000_000;

assertLimit(
  benchRoundsDefault >= 1 && benchRoundsDefault <= benchRoundsMax,
  "default rounds within the cap",
  "bench/rounds.ts",
);
