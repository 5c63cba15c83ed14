// Form drafts live in localStorage, so neither a reload nor an expired log-in loses them.
import { useCallback, useEffect, useRef, useState } from 'react';

const prefix = 'jihuo.draft.';

export function readDraft<T>(name: string): T | null {
  try {
    const raw = localStorage.getItem(prefix + name);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

export function writeDraft(name: string, value: unknown): void {
  localStorage.setItem(prefix + name, JSON.stringify(value));
}

export function clearDraft(name: string): void {
  localStorage.removeItem(prefix + name);
}

/** A state value mirrored to a draft on every change. */
export function useDraft<T>(name: string, initial: T): [T, (next: T) => void, () => void] {
  const [value, setValue] = useState<T>(() => readDraft<T>(name) ?? initial);
  const nameRef = useRef(name);
  nameRef.current = name;
  useEffect(() => { writeDraft(name, value); }, [name, value]);
  const reset = useCallback(() => { clearDraft(nameRef.current); setValue(initial); }, [initial]);
  return [value, setValue, reset];
}
