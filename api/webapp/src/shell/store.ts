/** A value screens can watch: `get`, `set`, and a Preact hook that re-renders on change. */
import { useEffect, useState } from "preact/hooks";

export interface Store<T> {
  get(): T;
  set(value: T): void;
  subscribe(listener: (value: T) => void): () => void;
}

export function store<T>(initial: T): Store<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of listeners) listener(next);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

export function useStore<T>(source: Store<T>): T {
  // Always through a function: a stored value may itself be a function (pendingUpdate), which
  // useState would otherwise call as an initializer or updater.
  const [value, setValue] = useState<T>(() => source.get());
  useEffect(() => {
    const show = (next: T) => setValue(() => next);
    show(source.get());
    return source.subscribe(show);
  }, [source]);
  return value;
}
