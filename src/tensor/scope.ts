import type { Tensor } from './tensor.js';

/**
 * Memory scopes. Every tensor made inside `tidy(fn)` is disposed when `fn`
 * returns, except the tensors it returns and those passed to `keep`. This is
 * how intermediate activations and gradients of a training step are released
 * without a garbage collector that knows about device memory.
 */
const scopes: Set<Tensor>[] = [];

export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempts a tensor from every enclosing scope. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
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
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  scopes.pop();
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  for (const t of scope) if (!survivors.has(t)) t.dispose();
  // Survivors belong to the enclosing scope now.
  for (const t of survivors) if (scope.has(t)) track(t);
  return result;
}

function collect(value: unknown, into: Set<Tensor>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value) collect(v, into);
  } else if ('storage' in value && 'shape' in value && 'dispose' in value) {
    into.add(value as Tensor);
  } else {
    for (const v of Object.values(value)) collect(v, into);
  }
}
