import type { Tensor } from './tensor.js';
import { openScopes, track, type Tracked } from './tracking.js';

/**
 * Memory scopes. Every tensor made inside `tidy(fn)` is disposed when `fn`
 * returns, except the tensors it returns and those passed to `keep`. This is
 * how intermediate activations and gradients of a training step are released
 * without a garbage collector that knows about device memory. The scopes
 * themselves are in tracking.ts, which Tensor's constructor joins.
 */

/** Exempts a tensor from every enclosing scope. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of openScopes) s.delete(t);
  return t;
}

export type TensorContainer =
  | Tensor
  | readonly TensorContainer[]
  | { readonly [key: string]: TensorContainer }
  | number
  | string
  | boolean
  | null
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: lets tidy take a callback that returns nothing
  | void;

export function tidy<T extends TensorContainer>(fn: () => T): T {
  const scope = new Set<Tracked>();
  openScopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    openScopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  openScopes.pop();
  const survivors = new Set<Tracked>();
  collect(result, survivors);
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  // Survivors belong to the enclosing scope now.
  for (const t of survivors) if (scope.has(t)) track(t);
  return result;
}

function collect(value: unknown, into: Set<Tracked>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into);
  } else if ('storage' in value && 'shape' in value && 'dispose' in value) {
    into.add(value as Tensor);
  } else {
    for (const v of Object.values(value)) collect(v, into);
  }
}
