// The measured latency matrix: the URPC round-trip time, in ns, between every pair of cores.
//
// Row a, column b holds the round trip measured with core a sending and core b answering. The two
// directions of a pair measure the same path, so the SKB reads a pair as the mean of both
// (`roundTripNs(a, b) === roundTripNs(b, a)`). A core does not message itself over URPC, so the
// diagonal carries no measurement: it may hold anything finite and non-negative and always reads 0.
// Construction validates everything (square, at most `coresMax` cores, finite, non-negative) and
// names the offending row and column; after that the matrix is immutable.

import { coresMax } from "../limits.js";

/** A malformed latency matrix: the message names the row and column. */
export class LatencyMatrixError extends Error {
  constructor(message: string) {
    super(`latency matrix: ${message}`);
    this.name = "LatencyMatrixError";
  }
}

export class LatencyMatrix {
  /** Number of cores (rows, and columns). */
  readonly size: number;
  /** Symmetric round trips, row-major, size × size, 0 on the diagonal. */
  readonly #roundTripsNs: Float64Array;

  private constructor(size: number, roundTripsNs: Float64Array) {
    this.size = size;
    this.#roundTripsNs = roundTripsNs;
  }

  /** Builds a matrix from rows of measured round trips (ns); throws LatencyMatrixError if malformed. */
  static fromRows(rows: readonly (readonly number[])[]): LatencyMatrix {
    if (!Array.isArray(rows)) throw new LatencyMatrixError("expected an array of rows");
    const size = rows.length;
    if (size === 0) throw new LatencyMatrixError("no rows: the SKB needs at least one core");
    if (size > coresMax) throw new LatencyMatrixError(`${size} rows, more than coresMax (${coresMax})`);
    for (let a = 0; a < size; a++) {
      const row = rows[a];
      if (!Array.isArray(row)) throw new LatencyMatrixError(`row ${a} is not an array`);
      if (row.length !== size) {
        throw new LatencyMatrixError(
          `row ${a} has ${row.length} columns, expected ${size} (a square matrix)`,
        );
      }
      for (let b = 0; b < size; b++) {
        const value: unknown = row[b];
        if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
          throw new LatencyMatrixError(
            `row ${a}, column ${b} is ${String(value)}; every entry must be a finite round-trip time in ns, >= 0`,
          );
        }
      }
    }
    const roundTripsNs = new Float64Array(size * size);
    for (let a = 0; a < size; a++) {
      for (let b = a + 1; b < size; b++) {
        const mean = (rows[a]![b]! + rows[b]![a]!) / 2;
        roundTripsNs[a * size + b] = mean;
        roundTripsNs[b * size + a] = mean;
      }
    }
    return new LatencyMatrix(size, roundTripsNs);
  }

  /** Builds a size × size matrix from `roundTripNs(a, b)` for every a ≠ b (synthetic machines, tests). */
  static fromFunction(size: number, roundTripNs: (a: number, b: number) => number): LatencyMatrix {
    if (!Number.isSafeInteger(size) || size < 1 || size > coresMax) {
      throw new LatencyMatrixError(`size ${size} is not a whole number in [1, coresMax = ${coresMax}]`);
    }
    const rows: number[][] = [];
    for (let a = 0; a < size; a++) {
      const row: number[] = [];
      for (let b = 0; b < size; b++) row.push(a === b ? 0 : roundTripNs(a, b));
      rows.push(row);
    }
    return LatencyMatrix.fromRows(rows);
  }

  /** The round trip between cores a and b in ns: the mean of both directions, 0 when a === b. */
  roundTripNs(a: number, b: number): number {
    this.#checkCore(a);
    this.#checkCore(b);
    return this.#roundTripsNs[a * this.size + b]!;
  }

  /** The symmetric matrix as rows (a copy). */
  toRows(): number[][] {
    const rows: number[][] = [];
    for (let a = 0; a < this.size; a++) {
      rows.push(Array.from(this.#roundTripsNs.subarray(a * this.size, (a + 1) * this.size)));
    }
    return rows;
  }

  toJSON(): number[][] {
    return this.toRows();
  }

  #checkCore(core: number): void {
    if (!Number.isSafeInteger(core) || core < 0 || core >= this.size) {
      throw new RangeError(`latency matrix: core ${core} is not in [0, ${this.size})`);
    }
  }
}
