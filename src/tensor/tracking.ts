/**
 * The open memory scopes of scope.ts, innermost last: every new tensor joins
 * the innermost. Kept apart from `tidy` so that Tensor's constructor can join
 * a scope while scope.ts, which disposes tensors, imports Tensor.
 */
export interface Tracked {
  dispose(): void;
}

export const openScopes: Set<Tracked>[] = [];

export function track(t: Tracked): void {
  openScopes[openScopes.length - 1]?.add(t);
}
