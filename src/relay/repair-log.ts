/**
 * One line per repair event, for `--log-repair`: what an operator (or a test) reads to follow
 * the anchor's health checks and keyless repairs.
 */
import type { RepairSchedulerEvent } from '../replication/index.js'

/** First 8 characters of a tessera hash, last 8 of a peer id: enough to tell them apart in a log. */
const short = (id: string, tail = false): string => tail ? `…${id.slice(-8)}` : id.slice(0, 8)

/**
 * The log line of a repair event.
 * @example repairLogLine({ type: 'repair:push', detail: { hashHex, indices: [3, 17] } }) // "repair push 1a2b3c4d [3,17]"
 */
export function repairLogLine (event: RepairSchedulerEvent): string {
  const d = event.detail as Record<string, unknown>
  const parts: string[] = [event.type.replace(/^repair:/, 'repair ').replace(/:/g, ' ')]
  if (typeof d.hashHex === 'string') parts.push(short(d.hashHex))
  if (typeof d.index === 'number') parts.push(`#${d.index}`)
  if (typeof d.holderId === 'string') parts.push(short(d.holderId, true))
  for (const [k, v] of Object.entries(d)) {
    if (k === 'hashHex' || k === 'index' || k === 'holderId') continue
    const value = Array.isArray(v) ? v.map(x => typeof x === 'string' && x.length > 16 ? short(x, true) : x) : v
    parts.push(`${k}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
  }
  return parts.join(' ')
}
