/**
 * The plain sentence of a memory's replication status, translated (the same cases as
 * `statusSentence` in src/replication/health.ts, from the same numbers).
 */
import type { Strings } from './i18n/en.js'
import type { MemoryStatusView } from './state/mesh.svelte.js'
import { fmt } from './state/i18n.svelte.js'

/** "3 holders" / "1 holder" in the current language. */
export function holdersText (t: Strings, n: number): string {
  return n === 1 ? t.mesh.holderOne : fmt(t.mesh.holderMany, { n })
}

/** "Safe: survives 8 holders vanishing", "Only on this device — waiting for peers", … */
export function statusText (t: Strings, view: MemoryStatusView): string {
  const s = t.mesh.sentence
  switch (view.status) {
    case 'Initializing':
      return view.localOnly ? s.sendingLocal : fmt(s.sending, { holders: holdersText(t, view.holders) })
    case 'Replicated':
      return view.survives > 0 ? fmt(s.safe, { holders: holdersText(t, view.survives) }) : fmt(s.fragile, { holders: holdersText(t, view.holders) })
    case 'Partial':
      return fmt(s.partial, { holders: holdersText(t, view.survives) })
    case 'AtRisk':
      return view.localOnly ? s.localOnly : fmt(s.atRisk, { available: view.availableShards, needed: view.neededShards })
  }
}
