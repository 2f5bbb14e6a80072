/** The fine-tuning log of a run folder: one CSV line per target-distribution update. */
import type { UpdateRecord } from '../cluster/finetune.js';
import { host } from '../host/host.js';

export async function writeLog(path: string, history: readonly UpdateRecord[]): Promise<string> {
  const f = (v: number | undefined | null): string => (v === undefined || v === null ? '' : String(v));
  const lines = ['iteration,kind,delta_label,loss_total,loss_kl,loss_reconstruction,acc,nmi,ari,seconds'];
  for (const u of history)
    lines.push(
      [
        u.iteration,
        u.kind,
        u.deltaLabel,
        f(u.loss?.total),
        f(u.loss?.kl),
        f(u.loss?.reconstruction),
        f(u.acc),
        f(u.nmi),
        f(u.ari),
        u.elapsedSeconds.toFixed(3),
      ].join(','),
    );
  await host().files.writeAtomic(path, `${lines.join('\n')}\n`);
  return path;
}
