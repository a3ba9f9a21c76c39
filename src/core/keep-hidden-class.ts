/** Instances held for the life of the process; see {@link keepHiddenClass}. */
const held: object[] = [];

/**
 * Holds one instance of a class whose instances come and go on the hot path, so V8 keeps their
 * hidden class. That class is built field by field as an instance is constructed, and it survives
 * a full garbage collection only if some instance does: a full GC while none existed (between
 * batches, in an idle worker, or the benchmark's forced ones) collected it, and every optimised
 * function that depended on it was thrown away and compiled again on the next batch (measured: a
 * 20,000-record sample after a full GC cost 1.5-2x per record). The instance's fields must hold
 * values of the kinds real instances hold (a fractional number where theirs are fractional), or it
 * keeps a hidden class they no longer use.
 */
export function keepHiddenClass(instance: object): void {
  held.push(instance);
}
