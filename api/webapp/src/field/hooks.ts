/** What every capture screen needs: the device's context and the pickers' reference data,
 * reloaded when the network comes back and after each capture. */
import { useEffect, useState } from "preact/hooks";
import type { DeviceKey } from "../crypto/keystore";
import type { OutboxItem } from "../outbox";
import { online } from "../shell/status";
import { useStore } from "../shell/store";
import { deviceContext, deviceKey, fieldOutbox, refreshDeviceContext, type DeviceContext } from "./device";
import { loadReference, type Reference } from "./reference";

export interface FieldState {
  key: DeviceKey | null;
  context: DeviceContext | null;
  reference: Reference | null;
  items: readonly OutboxItem[];
  reload: () => void;
}

export function useField(): FieldState {
  const isOnline = useStore(online);
  const context = useStore(deviceContext);
  const [key, setKey] = useState<DeviceKey | null>(null);
  const [reference, setReference] = useState<Reference | null>(null);
  const [items, setItems] = useState<readonly OutboxItem[]>([]);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    void deviceKey().then(setKey);
    if (isOnline) void refreshDeviceContext();
  }, [isOnline]);

  useEffect(() => {
    let live = true;
    void (async () => {
      const outbox = await fieldOutbox();
      const all = await outbox.list();
      if (!live) return;
      setItems(all);
      if (context?.orgId) {
        const ref = await loadReference(context.orgId, all);
        if (live) setReference(ref);
      }
    })();
    return () => {
      live = false;
    };
  }, [context?.orgId, isOnline, tick]);

  return { key, context, reference, items, reload: () => setTick((n) => n + 1) };
}

/** Whether this device may capture: enrolled (or the server not asked yet, offline) with an
 * association known. A revoked device is stopped here, not at sync. */
export function canCapture(context: DeviceContext | null): context is DeviceContext & { orgId: string; orgState: string } {
  return context !== null && context.status === "active" && context.orgId !== null && context.orgState !== null;
}
